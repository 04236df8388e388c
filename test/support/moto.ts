import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface MotoServer {
  /** `http://127.0.0.1:<port>`, for the SDK clients' `endpoint`. */
  endpoint: string;
  stop(): Promise<void>;
}

/** Where `scripts/provision-moto.sh` installs it, unless MOTO_SERVER_PATH says otherwise. */
export function motoServerPath(): string {
  const cache = process.env.MIGRATE_IDENTITY_CACHE ?? join(homedir(), '.cache', 'migrate-identity');
  return process.env.MOTO_SERVER_PATH ?? join(cache, 'moto-venv', 'bin', 'moto_server');
}

const STARTUP_TIMEOUT_MS = 20_000;

/**
 * Starts a moto server of its own (fresh state) on 127.0.0.1 and an ephemeral port.
 * Fails loudly when moto is not installed: the tests that need it must not pass without it.
 */
export async function startMoto(): Promise<MotoServer> {
  const binary = motoServerPath();
  if (!existsSync(binary)) {
    throw new Error(`moto_server not found at ${binary}: run scripts/provision-moto.sh and set MOTO_SERVER_PATH`);
  }
  // Port 0: werkzeug binds a free port and prints it, so there is no race for the port.
  const child = spawn(binary, ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`moto_server did not start in time:\n${output}`)),
      STARTUP_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    function fail(err: Error) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    }
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', fail);
    void exited.then((code) => fail(new Error(`moto_server exited with ${code}:\n${output}`)));
  });

  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilAnswering(endpoint);
  return {
    endpoint,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function waitUntilAnswering(endpoint: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      await response.body?.cancel();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`moto_server at ${endpoint} does not answer`, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
