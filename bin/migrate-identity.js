#!/usr/bin/env node
// Starts under whatever `node` is first on PATH, which may be older than the project's Node
// 22, so this file stays plain JavaScript that any Node runs. scripts/launch.sh provisions
// Node >= 22.19 and the Temporal CLI (cached), then runs this file again under that Node;
// when both are already in place the bin does the same without bash (bin/launch-fast.js).
// The CLI runs compiled (dist/js, `npm run build`) while that build is current, else from
// source through tsx (bin/compiled.js).
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { HOP_VARIABLE, launchWithoutBash } from './launch-fast.js';

/** Runs `command` with this process's stdio; this process lives as long as the child, which decides. */
function handOver(command, args, env, what) {
  const child = spawn(command, args, { stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    console.error(`migrate-identity: cannot run ${what}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
  });
}

const self = fileURLToPath(import.meta.url);
const direct = process.env.MIGRATE_IDENTITY_LAUNCHED === '1' ? undefined : launchWithoutBash();
if (process.env.MIGRATE_IDENTITY_LAUNCHED === '1' || direct?.run === 'here') {
  Object.assign(process.env, direct?.env);
  delete process.env[HOP_VARIABLE];
  const { runEntry } = await import('./compiled.js');
  await runEntry('cli');
} else if (direct?.run === 'node') {
  handOver(direct.node, [self, ...process.argv.slice(2)], { ...process.env, ...direct.env }, direct.node);
} else {
  const launcher = fileURLToPath(new URL('../scripts/launch.sh', import.meta.url));
  handOver(
    'bash',
    [launcher, '--temporal-cli', 'node', self, ...process.argv.slice(2)],
    process.env,
    `bash for ${launcher}`,
  );
}
