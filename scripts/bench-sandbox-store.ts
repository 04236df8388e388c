/**
 * What one sandbox call costs in its SQLite store as the fleet grows, and what two
 * processes writing at once get through. Prints figures; asserts nothing.
 *   npx tsx scripts/bench-sandbox-store.ts [sizes…]   (default: seed 3x20 5x1000 10x2000)
 * A size is `seed` (the default fleet) or `<clusters>x<service accounts>`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateFleet, parseFleetSize } from '../src/sandbox/generate.js';
import { createSandboxFleet, seedFleet, type FleetState, type SandboxFleet } from '../src/sandbox/index.js';

const ROUNDS = 200;

function fleetOf(size: string): { state: FleetState; cluster: string; namespace: string; name: string } {
  if (size === 'seed') return { state: seedFleet(), cluster: 'sandbox-a', namespace: 'payments', name: 'reconciler' };
  const parsed = parseFleetSize(size);
  if ('error' in parsed) throw new Error(parsed.error);
  return { state: generateFleet(parsed, 1), cluster: 'prod-01', namespace: 'orders', name: 'checkout' };
}

const serviceAccounts = (state: FleetState) =>
  Object.values(state.clusters).reduce((sum, c) => sum + c.serviceAccounts.length, 0);

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function timed(rounds: number, call: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const started = performance.now();
    await call(i);
    samples.push(performance.now() - started);
  }
  return samples;
}

const ms = (samples: number[]) => `${percentile(samples, 50).toFixed(2)} / ${percentile(samples, 99).toFixed(2)}`;

/**
 * Two processes, `writes` annotations each (of 20 keys, so the row stays its size), all at
 * once (test/support/sandbox-writer.ts); what the call counter, a read-modify-write of one
 * row, says they did.
 */
async function twoWriters(file: string, writes: number): Promise<{ seconds: number; lost: number }> {
  const run = (tag: string, peer: string) =>
    promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      'test/support/sandbox-writer.ts',
      file,
      tag,
      String(writes),
      peer,
      '20',
    ]);
  const results = await Promise.all([run('one', 'two'), run('two', 'one')]);
  const spans = results.map((r) => JSON.parse(r.stdout) as { started: number; finished: number });
  const seconds = (Math.max(...spans.map((s) => s.finished)) - Math.min(...spans.map((s) => s.started))) / 1000;
  const counted = (await createSandboxFleet({ file }).control.calls())['sandbox-a:setServiceAccountAnnotation'] ?? 0;
  return { seconds, lost: 2 * writes - counted };
}

async function bench(size: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-store-'));
  try {
    const { state, cluster, namespace, name } = fleetOf(size);
    const file = join(dir, 'fleet.sqlite');
    const fleet: SandboxFleet = createSandboxFleet({ file, seed: state, consistencyDelayMs: 0, podStartMs: 5 });
    let started = performance.now();
    await fleet.control.reset(state);
    const resetSeconds = (performance.now() - started) / 1000;
    const annotate = await timed(ROUNDS, (i) =>
      fleet.kubernetes.setServiceAccountAnnotation(cluster, namespace, name, 'bench', String(i)),
    );
    const read = await timed(ROUNDS, () => fleet.kubernetes.listPods(cluster, namespace, name));
    const ref = { kind: 'Deployment' as const, namespace, name };
    const restart = await timed(20, (i) =>
      fleet.kubernetes.restartWorkload(cluster, ref, new Date(i * 1000).toISOString()),
    );
    started = performance.now();
    const pods = await fleet.kubernetes.listAllPods(cluster);
    const listSeconds = performance.now() - started;
    const bytes = (await stat(file)).size + (await stat(`${file}-wal`).catch(() => ({ size: 0 }))).size;
    console.log(
      `${size.padEnd(8)} | ${String(serviceAccounts(state)).padStart(6)} | ${(bytes / 1e6).toFixed(1).padStart(6)} MB | ${resetSeconds.toFixed(1).padStart(5)} s | ${ms(annotate).padStart(13)} | ${ms(read).padStart(13)} | ${ms(restart).padStart(13)} | ${String(pods.length).padStart(5)} pods in ${listSeconds.toFixed(0)} ms`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2);
  console.log(
    'fleet    |    SAs |    store |  reset | annotate p50/p99 ms | listPods p50/p99 | restart p50/p99 | listAllPods (one cluster)',
  );
  for (const size of sizes.length ? sizes : ['seed', '3x20', '5x1000', '10x2000']) await bench(size);

  const dir = await mkdtemp(join(tmpdir(), 'bench-store-'));
  try {
    const file = join(dir, 'fleet.sqlite');
    await createSandboxFleet({ file }).eks.describeCluster('sandbox-a');
    const writes = 1000;
    const { seconds, lost } = await twoWriters(file, writes);
    console.log(
      `two processes x ${writes} annotations of one service account at once: ${seconds.toFixed(2)} s, ${((2 * writes) / seconds).toFixed(0)} writes/s, ${lost} lost`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
