import assert from 'node:assert/strict';
import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import type { FleetState } from '../../src/sandbox/index.js';
import {
  manualClock,
  RECONCILER,
  reconcilerAssociation,
  settleRollout,
  tempStateFile,
} from '../support/sandbox-fixtures.js';

describe('sandbox persistence', () => {
  let temp: Awaited<ReturnType<typeof tempStateFile>>;
  beforeEach(async () => {
    temp = await tempStateFile();
  });
  afterEach(() => temp.cleanup());

  test('the file is created from the seed on first use', async () => {
    const fleet = createSandboxFleet({ file: temp.file });
    await fleet.eks.describeCluster('sandbox-a');
    const saved = JSON.parse(await readFile(temp.file, 'utf8')) as FleetState;
    assert.deepEqual(Object.keys(saved.clusters).sort(), ['sandbox-a', 'sandbox-b', 'sandbox-c', 'sandbox-unhealthy']);
    assert.equal(saved.calls['sandbox-a:describeCluster'], 1);
  });

  test('a second instance on the same file sees associations, rollouts, faults and call counts', async () => {
    const clock = manualClock();
    const options = { file: temp.file, now: clock.now, consistencyDelayMs: 0, podStartMs: 500 };
    const worker = createSandboxFleet(options);
    const cli = createSandboxFleet(options);
    const created = await worker.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    await worker.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());

    const found = await cli.eks.findPodIdentityAssociations('sandbox-a', 'payments', 'reconciler');
    assert.equal(found[0]?.associationId, created.associationId);
    await settleRollout(cli, clock, 'sandbox-a', RECONCILER);
    assert.equal((await worker.kubernetes.getWorkloadStatus('sandbox-a', RECONCILER)).updatedReplicas, 2);

    await cli.control.setFault({ cluster: 'sandbox-a', step: 'annotate', kind: 'error' });
    await assert.rejects(
      worker.kubernetes.setServiceAccountAnnotation('sandbox-a', 'payments', 'reconciler', 'k', 'v'),
      /sandbox fault injected: sandbox-a annotate error/,
    );
    assert.equal((await cli.control.calls())['sandbox-a:setServiceAccountAnnotation'], 1);
  });

  test('a fresh instance after a "restart" keeps the state; reset returns to the seed', async () => {
    const first = createSandboxFleet({ file: temp.file });
    await first.kubernetes.setServiceAccountAnnotation('sandbox-c', 'payments', 'reconciler', 'team', 'payments');
    const second = createSandboxFleet({ file: temp.file });
    const sa = await second.kubernetes.getServiceAccount('sandbox-c', 'payments', 'reconciler');
    assert.equal(sa?.annotations.team, 'payments');
    await second.control.reset();
    assert.equal(
      (await first.kubernetes.getServiceAccount('sandbox-c', 'payments', 'reconciler'))?.annotations.team,
      undefined,
    );
    assert.deepEqual(await first.control.calls(), { 'sandbox-c:getServiceAccount': 1 });
  });

  test('concurrent writers from two instances lose no update', async () => {
    const a = createSandboxFleet({ file: temp.file });
    const b = createSandboxFleet({ file: temp.file });
    const writes = Array.from({ length: 12 }, (_, i) =>
      (i % 2 === 0 ? a : b).kubernetes.setServiceAccountAnnotation(
        'sandbox-a',
        'payments',
        'reconciler',
        `k${i}`,
        `${i}`,
      ),
    );
    await Promise.all(writes);
    const annotations =
      (await a.kubernetes.getServiceAccount('sandbox-a', 'payments', 'reconciler'))?.annotations ?? {};
    for (let i = 0; i < 12; i += 1) assert.equal(annotations[`k${i}`], `${i}`);
    assert.equal((await b.control.calls())['sandbox-a:setServiceAccountAnnotation'], 12);
  });

  test('a stale lock left by a crashed process is broken', async () => {
    const lock = `${temp.file}.lock`;
    await writeFile(lock, '999999\n');
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    const fleet = createSandboxFleet({ file: temp.file });
    assert.equal((await fleet.eks.describeCluster('sandbox-a')).status, 'ACTIVE');
    await assert.rejects(stat(lock), { code: 'ENOENT' });
  });

  test('a state file of another format is refused', async () => {
    await writeFile(temp.file, JSON.stringify({ format: 99 }));
    const fleet = createSandboxFleet({ file: temp.file });
    await assert.rejects(fleet.eks.describeCluster('sandbox-a'), { kind: 'validation' });
  });

  test('memory mode: two fleets are independent', async () => {
    const a = createSandboxFleet();
    const b = createSandboxFleet();
    await a.kubernetes.setServiceAccountAnnotation('sandbox-a', 'payments', 'reconciler', 'k', 'v');
    assert.equal(
      (await b.kubernetes.getServiceAccount('sandbox-a', 'payments', 'reconciler'))?.annotations.k,
      undefined,
    );
  });
});
