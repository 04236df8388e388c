#!/usr/bin/env node
// Starts under whatever `node` is first on PATH, which may be older than the project's Node
// 22, so this file stays plain JavaScript that any Node runs. scripts/launch.sh provisions
// Node >= 22.19 and the Temporal CLI (cached), then runs this file again under that Node;
// the CLI runs compiled (dist/js, `npm run build`) while that build is current, else from
// source through tsx (bin/compiled.js).
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

if (process.env.MIGRATE_IDENTITY_LAUNCHED === '1') {
  const { runEntry } = await import('./compiled.js');
  await runEntry('cli');
} else {
  const launcher = fileURLToPath(new URL('../scripts/launch.sh', import.meta.url));
  const self = fileURLToPath(import.meta.url);
  const child = spawn('bash', [launcher, '--temporal-cli', 'node', self, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  // This process lives as long as the child: signals are passed on, and the child decides.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    console.error(`migrate-identity: cannot run bash for ${launcher}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
  });
}
