import { setTimeout as sleep } from 'node:timers/promises';

/** One backend under contract test: the port, a driver that sets up fixtures in it, and teardown. */
export interface ContractSubject<Port, Driver> {
  port: Port;
  driver: Driver;
  cleanup(): Promise<void>;
}

export type MakeSubject<Port, Driver> = () => Promise<ContractSubject<Port, Driver>>;

/** Names unique per run, so suites can share a long-lived backend (moto, a kube-apiserver). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Polls `probe` until it returns a value, for at most `timeoutMs`. */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}`);
    await sleep(options.intervalMs);
  }
}
