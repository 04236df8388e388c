/**
 * A second process writing to a sandbox state file, for the cross-process tests:
 *   node --import tsx test/support/sandbox-writer.ts <file> <tag> <writes> <peer tag> [keys]
 * Waits until the `<file>.ready-<tag>` files of both writers exist, then sets `<writes>`
 * annotations `<tag>-<i modulo keys>` (keys: default writes) on sandbox-a
 * payments/reconciler at once, and prints when it started and finished (epoch ms) as JSON.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSandboxFleet } from '../../src/sandbox/index.js';

async function run() {
  const [file = '', tag = '', writes = '0', peer = '', keys = writes] = process.argv.slice(2);
  const fleet = createSandboxFleet({ file });
  await fleet.eks.describeCluster('sandbox-a');
  writeFileSync(`${file}.ready-${tag}`, '');
  while (!existsSync(`${file}.ready-${peer}`)) await sleep(5);
  const started = Date.now();
  await Promise.all(
    Array.from({ length: Number(writes) }, (_, i) =>
      fleet.kubernetes.setServiceAccountAnnotation(
        'sandbox-a',
        'payments',
        'reconciler',
        `${tag}-${i % Number(keys)}`,
        String(i),
      ),
    ),
  );
  console.log(JSON.stringify({ started, finished: Date.now() }));
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
