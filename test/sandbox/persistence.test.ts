import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createSandboxFleet, seedFleet } from '../../src/sandbox/index.js';
import { STATE_FORMAT, type FleetState } from '../../src/sandbox/state.js';
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
    assert.equal((await readFile(temp.file)).subarray(0, 15).toString(), 'SQLite format 3');
    const second = createSandboxFleet({ file: temp.file });
    const saved = await second.control.state();
    assert.deepEqual(Object.keys(saved.clusters).sort(), ['sandbox-a', 'sandbox-b', 'sandbox-c', 'sandbox-unhealthy']);
    assert.deepEqual(saved.calls, { 'sandbox-a:describeCluster': 1 });
    assert.deepEqual(await second.control.essentials(), await createSandboxFleet().control.essentials());
    const seed = seedFleet();
    for (const [name, cluster] of Object.entries(seed.clusters)) {
      assert.equal(saved.clusters[name]?.pods.length, cluster.pods.length, name);
      assert.deepEqual(saved.clusters[name]?.nodes, cluster.nodes, name);
    }
    assert.deepEqual(saved.roles, seed.roles);
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

  test('two processes writing at once lose no update', async () => {
    await createSandboxFleet({ file: temp.file }).eks.describeCluster('sandbox-a');
    const writes = 150;
    const writer = (tag: string, peer: string) =>
      promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'test/support/sandbox-writer.ts', temp.file, tag, String(writes), peer],
        { timeout: 120_000 },
      );
    const [one, two] = await Promise.all([writer('one', 'two'), writer('two', 'one')]);
    const spans = [one, two].map((r) => JSON.parse(r.stdout) as { started: number; finished: number });
    const [a, b] = spans as [{ started: number; finished: number }, { started: number; finished: number }];
    assert.ok(a.started < b.finished && b.started < a.finished, `the writers overlapped: ${JSON.stringify(spans)}`);

    const fleet = createSandboxFleet({ file: temp.file });
    const annotations =
      (await fleet.kubernetes.getServiceAccount('sandbox-a', 'payments', 'reconciler'))?.annotations ?? {};
    for (const tag of ['one', 'two']) {
      for (let i = 0; i < writes; i += 1) assert.equal(annotations[`${tag}-${i}`], String(i), `${tag}-${i}`);
    }
    assert.equal((await fleet.control.calls())['sandbox-a:setServiceAccountAnnotation'], 2 * writes);
  });

  test("another process reads what one wrote: other accounts' roles, boundaries, node groups, target roles, deletes, CloudTrail", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'test/support/sandbox-state-writer.ts', temp.file],
      { timeout: 120_000 },
    );
    const written = JSON.parse(stdout) as FleetState;
    // The ledger as stored, before this process's own calls note anything in it.
    const db = new DatabaseSync(temp.file, { readOnly: true });
    const stored = db.prepare("SELECT key, doc FROM rows WHERE kind = 'ledger' ORDER BY key").all();
    db.close();
    const read = await createSandboxFleet({ file: temp.file }).control.state();

    const target = 'arn:aws:iam::444455556666:role/payments-target';
    assert.ok(read.otherAccountRoles?.[target]);
    assert.deepEqual(read.otherAccountRoles, written.otherAccountRoles);
    assert.equal(
      read.roles.bounded?.permissionsBoundaryArn,
      'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
    );
    assert.deepEqual(read.clusters['sandbox-a']?.nodegroups, [
      { name: 'workers', nodeRoleArn: 'arn:aws:iam::111122223333:role/bounded' },
    ]);
    const [chained] = read.clusters['sandbox-a']?.associations ?? [];
    assert.equal(chained?.targetRoleArn, target);
    assert.ok(chained?.externalId);
    assert.deepEqual(chained?.tags, { 'migrate-identity/run': 'run-1' });
    assert.deepEqual(read.clusters['sandbox-a']?.associations, written.clusters['sandbox-a']?.associations);
    const [deleted] = read.clusters['sandbox-b']?.associations ?? [];
    assert.ok(deleted?.deletedAt !== undefined && deleted.forgetAt !== undefined && deleted.hiddenFrom !== undefined);
    assert.deepEqual(read.clusters['sandbox-b']?.associations, written.clusters['sandbox-b']?.associations);

    const [ct, wct] = [read.cloudTrail, written.cloudTrail];
    assert.deepEqual(ct?.traffic, { 'payments/reconciler': { userAgent: 'writer-sdk/1.0' } });
    assert.equal(ct?.extraDelayMs, 5);
    assert.equal(ct?.probes.length, 1);
    assert.deepEqual(ct?.probes, wct?.probes);
    // The ledger: every pod the writer's calls saw, in every cluster it called.
    const pods = (state: FleetState | undefined) =>
      state?.cloudTrail?.ledger.map((e) => `${e.cluster}/${e.uid}`).sort();
    assert.ok((ct?.ledger.length ?? 0) > 0);
    assert.deepEqual(pods(read), pods(written));
    const storedPods = stored
      .flatMap((row) => JSON.parse(String(row.doc)) as { cluster: string; uid: string }[])
      .map((e) => `${e.cluster}/${e.uid}`)
      .sort();
    assert.deepEqual(storedPods, pods(written));
  });

  test('a process killed inside a transaction leaves no lock and none of its writes', async () => {
    const fleet = createSandboxFleet({ file: temp.file });
    await fleet.kubernetes.setServiceAccountAnnotation('sandbox-a', 'payments', 'reconciler', 'kept', 'yes');
    const crash = [
      "const { DatabaseSync } = require('node:sqlite');",
      `const db = new DatabaseSync(${JSON.stringify(temp.file)});`,
      "db.exec('BEGIN IMMEDIATE');",
      'db.exec("DELETE FROM rows WHERE kind = \'serviceAccount\'");',
      "process.kill(process.pid, 'SIGKILL');",
    ].join('\n');
    const child = spawnSync(process.execPath, ['-e', crash], { encoding: 'utf8' });
    assert.equal(child.signal, 'SIGKILL', child.stderr);

    const started = Date.now();
    const sa = await fleet.kubernetes.getServiceAccount('sandbox-a', 'payments', 'reconciler');
    assert.equal(sa?.annotations.kept, 'yes');
    assert.ok(Date.now() - started < 5_000, 'no wait for a lock the dead process held');
  });

  test('a state file of another format is refused, in one line saying how to start again; reset does', async () => {
    const old = { ...seedFleet(), format: 1 };
    await writeFile(temp.file, JSON.stringify(old, null, 2));
    const fleet = createSandboxFleet({ file: temp.file });
    const refused = await fleet.eks.describeCluster('sandbox-a').then(
      () => assert.fail('an old JSON state was read'),
      (err: unknown) => err as Error & { kind?: string },
    );
    assert.equal(refused.kind, 'validation');
    assert.match(refused.message, new RegExp(`has format 1 \\(JSON\\), expected ${STATE_FORMAT} .*sandbox reset`));
    assert.doesNotMatch(refused.message, /\n/);

    await createSandboxFleet({ file: temp.file }).control.reset();
    assert.equal((await fleet.eks.describeCluster('sandbox-a')).status, 'ACTIVE');
  });

  test('a SQLite store of another format version is refused too, and reset starts it again', async () => {
    await createSandboxFleet({ file: temp.file }).eks.describeCluster('sandbox-a');
    const other = STATE_FORMAT + 1;
    const bump = `const { DatabaseSync } = require('node:sqlite'); new DatabaseSync(${JSON.stringify(temp.file)}).exec("UPDATE meta SET value = '${other}' WHERE name = 'format'");`;
    assert.equal(spawnSync(process.execPath, ['-e', bump]).status, 0);
    await assert.rejects(createSandboxFleet({ file: temp.file }).eks.describeCluster('sandbox-a'), {
      kind: 'validation',
      message: new RegExp(`has format ${other}, expected ${STATE_FORMAT}`),
    });
    const fresh = createSandboxFleet({ file: temp.file });
    await fresh.control.reset();
    assert.deepEqual(await fresh.control.calls(), {});
    assert.equal((await fresh.eks.describeCluster('sandbox-b')).name, 'sandbox-b');
  });

  test('a SQLite store of format 2 (its CloudTrail ledger a row per cluster) is refused, pointing to a reset', async () => {
    await createSandboxFleet({ file: temp.file }).eks.describeCluster('sandbox-a');
    const downgrade = `const { DatabaseSync } = require('node:sqlite'); new DatabaseSync(${JSON.stringify(temp.file)}).exec("UPDATE meta SET value = '2' WHERE name = 'format'");`;
    assert.equal(spawnSync(process.execPath, ['-e', downgrade]).status, 0);
    await assert.rejects(
      createSandboxFleet({ file: temp.file }).cloudTrailControl.events('2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z'),
      {
        kind: 'validation',
        message: /has format 2, expected .*sandbox reset/,
      },
    );
  });

  test('the JSON file an older version kept is refused, not silently forgotten; reset removes it', async () => {
    const legacy = temp.file.replace(/fleet\.sqlite$/, 'sandbox-fleet.json');
    await writeFile(legacy, JSON.stringify({ ...seedFleet(), format: 1 }));
    const fleet = createSandboxFleet({ file: temp.file, replaces: legacy });
    await assert.rejects(fleet.eks.describeCluster('sandbox-a'), {
      kind: 'validation',
      message: /sandbox-fleet\.json has format 1 \(JSON\).*sandbox reset/,
    });
    await fleet.control.reset();
    await assert.rejects(readFile(legacy), { code: 'ENOENT' });
    assert.equal((await fleet.eks.describeCluster('sandbox-a')).status, 'ACTIVE');
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
