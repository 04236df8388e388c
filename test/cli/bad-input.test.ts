import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../src/cli/main.js';

const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';

/** The README's promise for bad input: one line on stderr naming the problem, exit 2, nothing started. */
describe('CLI bad input', () => {
  let dataDir: string;
  let vars: Record<string, string>;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'mi-bad-input-'));
    // Nothing listens here: a command that got as far as Temporal would fail with exit 1, not 2.
    vars = { TEMPORAL_ADDRESS: '127.0.0.1:1', MIGRATE_IDENTITY_DATA_DIR: dataDir };
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  async function cli(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, vars);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  function oneLine(r: { code: number; out: string; err: string }, message: RegExp) {
    assert.equal(r.code, 2, r.err);
    assert.equal(r.err.split('\n').length, 1, r.err);
    assert.match(r.err, message);
    assert.equal(r.out, '');
  }

  test('an unknown command is one line, not the usage', async () => {
    oneLine(
      await cli('frobnicate'),
      /^migrate-identity: unknown command "frobnicate" \(commands: start, .*--help shows usage\)$/,
    );
  });

  test('a wait of 36,500 days is a typo: refused before anything starts', async () => {
    const start = (flag: string, value: string) =>
      cli('start', 'payments/reconciler', '--role', ROLE, '--clusters', 'sandbox-a', '--approvers', 'bob', flag, value);
    oneLine(await start('--consistency-wait', '36500d'), /--consistency-wait 36500d is over the maximum of 1h$/);
    oneLine(await start('--soak', '8d'), /--soak 8d is over the maximum of 7d$/);
    oneLine(await start('--approval-window', '31d'), /--approval-window 31d is over the maximum of 30d$/);
    oneLine(await start('--rollout-timeout', '2h'), /--rollout-timeout 2h is over the maximum of 1h$/);
    oneLine(
      await start('--consistency-retry-window', '2h'),
      /--consistency-retry-window 2h is over the maximum of 1h$/,
    );
  });

  test('a sandbox fault that could never fire is refused in one line', async () => {
    oneLine(
      await cli('sandbox', 'fault', 'sandbox-a', 'exec', 'stuck'),
      /^migrate-identity: fault kind stuck applies to steps rollout and probe-pod only, not exec/,
    );
    oneLine(
      await cli('sandbox', 'fault', 'sandbox-a', 'get-role', 'error'),
      /^migrate-identity: get-role is an IAM call, and IAM is not per cluster: arm it on cluster \*/,
    );
    const iam = await cli('sandbox', 'fault', '*', 'get-role', 'error');
    assert.equal(iam.code, 0, iam.err);
    assert.match(iam.out, /^fault armed: \* get-role error/);
  });
});
