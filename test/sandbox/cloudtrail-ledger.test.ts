import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { webIdentityCalls } from '../../src/domain/cloudtrail-evidence.js';
import { WEB_IDENTITY_EVERY_MS } from '../../src/sandbox/cloudtrail-traffic.js';
import { putPod } from '../../src/sandbox/fixtures.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { createSandboxKubernetes } from '../../src/sandbox/kubernetes.js';
import { rowsOf } from '../../src/sandbox/rows.js';
import { createRuntime } from '../../src/sandbox/runtime.js';
import { seedFleet } from '../../src/sandbox/seed.js';
import { memoryStore, type RowKind, type StateStore, type StoreTx } from '../../src/sandbox/store.js';
import { LEDGER_WRITER, livePods, manualClock } from '../support/sandbox-fixtures.js';

const SA = { namespace: 'payments', name: 'reconciler' };

/** What the transactions since the last `clear` read (rows, by kind) and wrote (`put|delete kind:key`). */
interface Traffic {
  read: Partial<Record<RowKind, number>>;
  written: string[];
}

function counted(store: StateStore): { store: StateStore; traffic: Traffic; clear(): void } {
  const traffic: Traffic = { read: {}, written: [] };
  const saw = (kind: RowKind, rows: number) => {
    traffic.read[kind] = (traffic.read[kind] ?? 0) + rows;
  };
  const spy = (tx: StoreTx): StoreTx => ({
    get(kind, key) {
      const row = tx.get(kind, key);
      saw(kind, row === undefined ? 0 : 1);
      return row;
    },
    find(query) {
      const rows = tx.find(query);
      saw(query.kind, rows.length);
      return rows;
    },
    count: (query) => tx.count(query),
    put(row) {
      traffic.written.push(`put ${row.kind}:${row.key}`);
      tx.put(row);
    },
    delete(kind, key) {
      traffic.written.push(`delete ${kind}:${key}`);
      tx.delete(kind, key);
    },
  });
  return {
    store: { transact: (work) => store.transact((tx) => work(spy(tx))), replace: (rows) => store.replace(rows) },
    traffic,
    clear() {
      traffic.read = {};
      traffic.written = [];
    },
  };
}

/** The seed, with `extra` more running pods in sandbox-a (a namespace of their own), in a store that counts. */
function fleetWith(extra: number) {
  const clock = manualClock();
  const state = seedFleet();
  for (let i = 0; i < extra; i += 1) {
    putPod(state, 'sandbox-a', { namespace: 'filler', name: `filler-${i}`, serviceAccount: 'default' }, clock.now());
  }
  const spied = counted(memoryStore(rowsOf(state, clock.now())));
  const runtime = createRuntime(spied.store, {
    now: clock.now,
    consistencyDelayMs: 0,
    listDelayMs: 0,
    podStartMs: 1000,
    iamConsistencyDelayMs: 0,
    latencyMs: 0,
  });
  return { clock, kubernetes: createSandboxKubernetes(runtime), spied };
}

const ledgerWrites = (traffic: Traffic) => traffic.written.filter((w) => w.includes(' ledger:'));

describe('sandbox CloudTrail: the ledger costs what a call changes', () => {
  test('a call that changes no pod reads and writes no ledger row, and reads as many rows at 13 pods as at 213', async () => {
    const seen: Traffic[] = [];
    for (const extra of [0, 200]) {
      const { clock, kubernetes, spied } = fleetWith(extra);
      // The clock moved since the pods were noted: a ledger kept by "last seen" would rewrite them.
      clock.advance(60_000);
      spied.clear();
      await kubernetes.setServiceAccountAnnotation('sandbox-a', 'payments', 'reconciler', 'team', 'payments');
      seen.push(structuredClone(spied.traffic));
    }
    const [small, large] = seen as [Traffic, Traffic];
    assert.equal(small.read.ledger ?? 0, 0);
    assert.deepEqual(ledgerWrites(small), []);
    assert.deepEqual(large, small, 'the same rows read and written, whatever else the cluster runs');
  });

  test('a call that removes one pod reads and writes that pod’s entry only', async () => {
    const seen: { read: Traffic['read']; written: string[] }[] = [];
    for (const extra of [0, 200]) {
      const { clock, kubernetes, spied } = fleetWith(extra);
      const [pod] = await kubernetes.listPods('sandbox-a', 'payments', 'reconciler');
      assert.ok(pod);
      clock.advance(60_000);
      spied.clear();
      await kubernetes.deletePod('sandbox-a', pod.namespace, pod.name);
      assert.deepEqual(ledgerWrites(spied.traffic), [`put ledger:sandbox-a/${pod.uid}`]);
      seen.push({
        read: spied.traffic.read,
        written: spied.traffic.written.map((w) => w.replace(pod.uid, '<uid>').replace(pod.name, '<pod>')),
      });
    }
    const [small, large] = seen as [Traffic, Traffic];
    assert.equal(small.read.ledger, 1);
    assert.deepEqual(large, small);
  });
});

describe('sandbox CloudTrail: a pod calls from ready until it stops', () => {
  test('a pod deleted between two calls calls STS until the call that deleted it; the others keep calling', async () => {
    const clock = manualClock();
    const fleet = createSandboxFleet({ now: clock.now, consistencyDelayMs: 0, podStartMs: 1000, cloudTrailDelayMs: 0 });
    const issuer = (await fleet.eks.describeCluster('sandbox-a')).oidcIssuer ?? '';
    const pods = await livePods(fleet, 'sandbox-a');
    assert.equal(pods.length, 2, 'two Deployment pods run as payments/reconciler');
    const calls = async (from: number) => {
      // [from, from + 2 h): every pod that ran all along calls 8 times.
      const to = from + 8 * WEB_IDENTITY_EVERY_MS - 1;
      const events = await fleet.cloudTrailControl.events(new Date(from).toISOString(), new Date(to).toISOString());
      return webIdentityCalls(events, SA, [issuer], new Date(from).toISOString()).length;
    };
    clock.advance(3 * 3_600_000);
    const deletedAt = clock.now();
    await fleet.kubernetes.deletePod('sandbox-a', 'payments', pods[0]!.name);
    clock.advance(3 * 3_600_000);
    // A call on the cluster that changes no pod: the deleted one is not counted again.
    await fleet.kubernetes.getServiceAccount('sandbox-a', 'payments', 'reconciler');
    assert.equal(await calls(deletedAt - 8 * WEB_IDENTITY_EVERY_MS), 2 * 8);
    assert.equal(await calls(deletedAt + 1), 8);
  });

  test('a StatefulSet pod a rollout replaced while no call came runs until it was replaced, not until the last call', async () => {
    const HOUR = 3_600_000;
    const clock = manualClock();
    const fleet = createSandboxFleet({ now: clock.now, consistencyDelayMs: 0, podStartMs: HOUR, cloudTrailDelayMs: 0 });
    const issuer = (await fleet.eks.describeCluster('sandbox-b')).oidcIssuer ?? '';
    // Highest ordinal first: ledger-writer-1 goes at once, ledger-writer-0 when the new -1 is ready, an hour on.
    const restartedAt = clock.now();
    await fleet.kubernetes.restartWorkload('sandbox-b', LEDGER_WRITER, clock.iso());
    clock.advance(3 * HOUR);
    await fleet.kubernetes.getServiceAccount('sandbox-b', 'payments', 'reconciler');
    const events = await fleet.cloudTrailControl.events(
      new Date(restartedAt).toISOString(),
      new Date(restartedAt + HOUR - 1).toISOString(),
    );
    const calls = webIdentityCalls(events, SA, [issuer], new Date(restartedAt).toISOString());
    // The two Deployment pods, and ledger-writer-0: four calls each in that hour.
    assert.equal(calls.length, 3 * 4);
  });
});
