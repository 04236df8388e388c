import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';

/**
 * Child processes of the production-shaped stack: each logs to a file of its own (kept for a
 * failing test) and to memory (quoted in errors), and none outlives the test process.
 */

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    // A test process that dies without stopping its stack must not leave servers behind.
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
    exitHookInstalled = true;
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** What every child gets from the test process: a container gets no more from the host either. */
function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR'];
  return Object.fromEntries(keep.flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : [])));
}

const MAX_KEPT = 2_000_000;

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number | undefined;
  /** Everything printed so far, stdout and stderr interleaved (the tail of it when long). */
  output(): string;
  /** Complete stdout lines so far. */
  lines(): string[];
  readonly exited: Promise<number | NodeJS.Signals>;
  running(): boolean;
  /** Sends `signal`, waits for the exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | NodeJS.Signals>;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  logFile?: string;
}

export function spawnService(name: string, command: string, args: string[], options: SpawnOptions): ServiceProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...baseEnv(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let output = '';
  const lines: string[] = [];
  let partial = '';
  const keep = (chunk: string) => {
    output = (output + chunk).slice(-MAX_KEPT);
    if (options.logFile) appendFileSync(options.logFile, chunk);
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    keep(chunk);
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  });
  child.stderr?.setEncoding('utf8').on('data', keep);
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once('error', (err) => {
      keep(`${name}: ${err.message}\n`);
      resolve(127);
    });
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 1));
  });
  let done = false;
  void exited.then(() => (done = true));
  return {
    name,
    pid: child.pid,
    output: () => output,
    lines: () => lines,
    exited,
    running: () => !done,
    async stop(signal = 'SIGTERM', graceMs = 20_000) {
      if (done) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Runs a command to completion; its output on success. A failure throws with the output,
 * or with `allowFailure` returns undefined.
 */
export async function runOnce(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions & { allowFailure?: boolean } = {},
): Promise<string | undefined> {
  const child = spawnService(name, command, args, options);
  const code = await child.exited;
  if (code === 0) return child.output();
  if (options.allowFailure) return undefined;
  throw new Error(`${name} (${command} ${args.join(' ')}) exited ${code}:\n${child.output().slice(-4000)}`);
}

/** Polls `probe` until it returns something other than undefined/false; fails early if `watch` exits. */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs: number,
  watch?: ServiceProcess,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (watch && !watch.running()) {
      throw new Error(`${watch.name} exited (${await watch.exited}) before ${what}:\n${watch.output().slice(-4000)}`);
    }
    if (Date.now() > deadline) {
      const tail = watch ? `\n${watch.name} printed:\n${watch.output().slice(-4000)}` : '';
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${tail}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
