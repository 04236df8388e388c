import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { operateRefusal } from '../../src/access/operate.js';
import { authorizeStart, resolveProbe, type Asker } from '../../src/access/start.js';
import { parseAccessPolicy } from '../../src/config/access-policy.js';
import { NotAllowedError, ValidationError } from '../../src/domain/errors.js';
import { DEFAULT_OPTIONS, type MigrationInput } from '../../src/domain/types.js';
import type { Directory } from '../../src/ports/directory.js';

/** A directory over fixed user groups, as Slack's would answer. */
function directory(groups: Record<string, string[]>): Directory {
  const members = (id: string) => groups[id] ?? (/^S/.test(id) ? [] : [id]);
  return {
    expandUsers: (ids) => Promise.resolve([...new Set(ids.flatMap(members))]),
    includesUser: (ids, user) => Promise.resolve(ids.some((id) => members(id).includes(user))),
  };
}

const DIRECTORY = directory({ S0PAY: ['U0DEV1', 'U0DEV2'], S0SRE: ['U0SRE1', 'U0SRE2', 'U0DEV1'] });

const POLICY = parseAccessPolicy(
  JSON.stringify({
    rules: [
      {
        name: 'payments-prod',
        namespaces: ['payments', 'payments-*'],
        clusters: ['prod-*'],
        starters: { userGroups: ['S0PAY'], channels: ['C0OPS'] },
        approvers: { userGroups: ['S0SRE'], users: ['U0LEAD'], minApprovals: 2 },
        operators: { users: ['U0ONCALL'] },
        probes: ['healthz'],
        sharedRoles: ['arn:aws:iam::111122223333:role/shared-*'],
      },
      {
        name: 'default',
        namespaces: ['*'],
        starters: { anyone: true },
        approvers: { users: ['U0SRE1'] },
      },
    ],
    probes: { healthz: { argv: ['curl', '-sf', 'http://localhost/healthz'] }, other: { argv: ['true'] } },
  }),
  'test',
  'aws',
);

function input(overrides: Partial<MigrationInput['options']> = {}, namespace = 'payments'): MigrationInput {
  return {
    serviceAccount: { namespace, name: 'api' },
    roleArn: 'arn:aws:iam::111122223333:role/api',
    clusters: ['prod-a', 'prod-b'],
    requestedBy: 'U0DEV1',
    options: { ...DEFAULT_OPTIONS, approvers: [], ...overrides },
  };
}

const authorize = (i: MigrationInput, who: Asker = { id: 'U0DEV1' }) => authorizeStart(POLICY, DIRECTORY, i, who);

describe('authorizeStart', () => {
  test('approvers come from the rule, user groups resolved; its minimum and name go with the run', async () => {
    const run = await authorize(input());
    assert.deepEqual(run.options.approvers, ['U0LEAD', 'U0SRE1', 'U0SRE2', 'U0DEV1']);
    assert.equal(run.options.minApprovals, 2);
    assert.deepEqual(run.access, { rule: 'payments-prod', operators: ['U0ONCALL'], anyoneMayOperate: false });
  });

  test('starters: a member of a listed user group, or anyone in a listed channel; nobody else', async () => {
    await authorize(input(), { id: 'U0DEV2' });
    await authorize({ ...input(), requestedBy: 'U0STRANGER' }, { id: 'U0STRANGER', channel: 'C0OPS' });
    await assert.rejects(
      authorize({ ...input(), requestedBy: 'U0STRANGER' }, { id: 'U0STRANGER' }),
      (err: unknown) =>
        err instanceof NotAllowedError && /not allowed to start .* \(access rule payments-prod\)/.test(err.message),
    );
  });

  test('--approvers narrows (a user group expands to its members), never widens: who was refused is named', async () => {
    const narrowed = await authorize(input({ approvers: ['U0SRE1', 'U0LEAD'] }));
    assert.deepEqual(narrowed.options.approvers, ['U0SRE1', 'U0LEAD']);
    await assert.rejects(
      authorize(input({ approvers: ['U0SRE1', 'U0FRIEND'] })),
      (err: unknown) =>
        err instanceof ValidationError &&
        err.field === 'approvers' &&
        /never add to them: refused U0FRIEND$/.test(err.message),
    );
    // S0PAY's members are not approvers here: both are refused.
    await assert.rejects(authorize(input({ approvers: ['S0PAY'] })), /refused U0DEV2$/);
  });

  test('narrowed below the minimum of approvers other than the requester: refused', async () => {
    await assert.rejects(
      authorize(input({ approvers: ['U0SRE1', 'U0DEV1'] })),
      /2 approval\(s\) from someone other than the requester are needed, but only 1/,
    );
  });

  test('no rule for the namespace and clusters: refused, saying so', async () => {
    const policy = parseAccessPolicy(
      JSON.stringify({
        rules: [{ namespaces: ['ledger'], starters: { anyone: true }, approvers: { users: ['U0A'] } }],
      }),
      'test',
      'aws',
    );
    await assert.rejects(
      authorizeStart(policy, DIRECTORY, input(), { id: 'U0DEV1' }),
      (err: unknown) =>
        err instanceof NotAllowedError &&
        /no access policy rule covers namespace payments on prod-a, prod-b/.test(err.message),
    );
  });

  test('probes: only from the rule’s allow-list, and the run gets its argv', async () => {
    const run = await authorize(input({ verifyProbe: 'healthz' }));
    assert.deepEqual(run.options.verifyCommand, ['curl', '-sf', 'http://localhost/healthz']);
    await assert.rejects(authorize(input({ verifyProbe: 'other' })), /probe "other" is not allowed/);
    await assert.rejects(authorize(input({ verifyProbe: 'sh' })), /unknown probe "sh"/);
  });

  test('--accept-shared-role: only for a role the rule’s sharedRoles lists (the one the pods run as)', async () => {
    await assert.rejects(
      authorize(input({ acceptSharedRole: true })),
      (err: unknown) =>
        err instanceof ValidationError &&
        err.field === 'accept-shared-role' &&
        /access rule payments-prod accepts no shared role arn:aws:iam::111122223333:role\/api \(.*sharedRoles: arn:aws:iam::111122223333:role\/shared-\*\)/.test(
          err.message,
        ),
    );
    const shared = { ...input({ acceptSharedRole: true }), roleArn: 'arn:aws:iam::111122223333:role/shared-ml' };
    assert.equal((await authorize(shared)).options.acceptSharedRole, true);
    await assert.rejects(
      authorize(input({ acceptSharedRole: true, targetRoleArn: 'arn:aws:iam::111122223333:role/other' })),
      /accepts no shared role arn:aws:iam::111122223333:role\/other/,
      'judged on the role the pods run as',
    );
    await assert.rejects(
      authorize(input({ acceptSharedRole: true }, 'orders')),
      /access rule default accepts no shared role .*\(the platform team lists the shared roles it accepts in the rule's sharedRoles\)$/,
    );
    assert.equal((await authorize(input())).options.acceptSharedRole, undefined);
  });

  test('outside the policy (the CLI on the sandbox), a probe must still be one the policy defines', () => {
    assert.deepEqual(resolveProbe(POLICY, input({ verifyProbe: 'other' })).options.verifyCommand, ['true']);
    assert.throws(() => resolveProbe(undefined, input({ verifyProbe: 'other' })), /no access policy defines probes/);
    assert.equal(resolveProbe(undefined, input()).options.verifyCommand, undefined);
  });
});

describe('operateRefusal (abort, pause, resume)', () => {
  test('the requester, the approvers and the rule’s operators (as the run started) may; others not', async () => {
    const run = await authorize(input());
    for (const who of ['U0DEV1', 'U0SRE2', 'U0ONCALL']) {
      assert.equal(await operateRefusal(run, who, DIRECTORY, undefined), undefined, who);
    }
    assert.match(
      (await operateRefusal(run, 'U0STRANGER', DIRECTORY, POLICY)) ?? '',
      /only the requester, the approvers and the operators of access rule payments-prod/,
    );
  });

  test('a run without a snapshot is judged by the current policy; with no policy only its requester and approvers', async () => {
    const bare = input({ approvers: ['U0SRE1'] }, 'ledger');
    assert.equal(
      await operateRefusal({ ...bare, clusters: ['x'] }, 'U0STRANGER', DIRECTORY, POLICY),
      'only the requester, the approvers and the operators of access rule default may abort, pause or resume this migration',
    );
    assert.match(
      (await operateRefusal(bare, 'U0STRANGER', DIRECTORY, undefined)) ?? '',
      /no access policy rule covers this migration/,
    );
  });

  test('a rollback after cleanup, or ending an observation, is for the same people, and the refusal says what was asked', async () => {
    const run = await authorize(input());
    const what = 'roll back or end the observation of';
    for (const who of ['U0DEV1', 'U0SRE2', 'U0ONCALL']) {
      assert.equal(await operateRefusal(run, who, DIRECTORY, undefined, what), undefined, who);
    }
    assert.match(
      (await operateRefusal(run, 'U0STRANGER', DIRECTORY, POLICY, what)) ?? '',
      /operators of access rule payments-prod may roll back or end the observation of this migration$/,
    );
  });
});
