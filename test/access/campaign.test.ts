import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { authorizeCampaign, campaignOperateRefusal } from '../../src/access/campaign.js';
import { parseAccessPolicy } from '../../src/config/access-policy.js';
import type { CampaignItem } from '../../src/domain/campaign.js';
import { NotAllowedError, ValidationError } from '../../src/domain/errors.js';
import type { Directory } from '../../src/ports/directory.js';

/** A directory over fixed user groups, as Slack's would answer. */
function directory(groups: Record<string, string[]>): Directory {
  const members = (id: string) => groups[id] ?? (/^S/.test(id) ? [] : [id]);
  return {
    expandUsers: (ids) => Promise.resolve([...new Set(ids.flatMap(members))]),
    includesUser: (ids, user) => Promise.resolve(ids.some((id) => members(id).includes(user))),
  };
}

const DIRECTORY = directory({ S0SRE: ['U0SRE1', 'U0SRE2'] });

const POLICY = parseAccessPolicy(
  JSON.stringify({
    rules: [
      {
        name: 'payments',
        namespaces: ['payments'],
        clusters: ['*'],
        starters: { users: ['U0PAY'] },
        approvers: { userGroups: ['S0SRE'], users: ['U0PAYLEAD'] },
        operators: { users: ['U0ONCALL'] },
      },
      {
        name: 'shop',
        namespaces: ['shop'],
        clusters: ['*'],
        starters: { users: ['U0PAY', 'U0SHOP'] },
        approvers: { users: ['U0SRE1', 'U0SHOPLEAD'] },
        operators: { users: ['U0ONCALL', 'U0SHOP'] },
      },
      {
        name: 'strict',
        namespaces: ['bank'],
        clusters: ['*'],
        starters: { users: ['U0PAY'] },
        approvers: { users: ['U0SRE1', 'U0SRE2'], minApprovals: 2 },
      },
    ],
  }),
  'policy',
  'aws',
);

const item = (namespace: string, name: string): CampaignItem => ({
  serviceAccount: { namespace, name },
  roleArn: `arn:aws:iam::111122223333:role/${name}`,
  clusters: ['prod-a'],
  wave: 1,
});

describe('campaigns under the access policy', () => {
  test('approvers: those every rule involved lets approve, user groups resolved', async () => {
    const request = {
      items: [item('payments', 'api'), item('shop', 'cart')],
      approvers: [],
      approval: 'wave' as const,
    };
    assert.deepEqual(await authorizeCampaign(POLICY, DIRECTORY, request, { id: 'U0PAY' }), {
      approvers: ['U0SRE1'],
      minApprovals: 1,
    });
    const one = await authorizeCampaign(
      POLICY,
      DIRECTORY,
      { ...request, items: [item('payments', 'api')] },
      { id: 'U0PAY' },
    );
    assert.deepEqual(one.approvers.sort(), ['U0PAYLEAD', 'U0SRE1', 'U0SRE2']);
  });

  test('the requester must be allowed to start every migration', async () => {
    const request = {
      items: [item('shop', 'cart'), item('payments', 'api')],
      approvers: [],
      approval: 'wave' as const,
    };
    await assert.rejects(
      authorizeCampaign(POLICY, DIRECTORY, request, { id: 'U0SHOP' }),
      (err: unknown) =>
        err instanceof NotAllowedError && /namespace payments on prod-a \(access rule payments\)/.test(err.message),
    );
  });

  test('named approvers narrow, never widen; nobody in common is refused; two approvals need per-account approval', async () => {
    const both = { items: [item('payments', 'api'), item('shop', 'cart')], approval: 'wave' as const };
    await assert.rejects(
      authorizeCampaign(POLICY, DIRECTORY, { ...both, approvers: ['U0SHOPLEAD'] }, { id: 'U0PAY' }),
      (err: unknown) => err instanceof ValidationError && /refused U0SHOPLEAD/.test(err.message),
    );
    const policy = parseAccessPolicy(
      JSON.stringify({
        rules: [
          { name: 'a', namespaces: ['payments'], starters: { anyone: true }, approvers: { users: ['U0A'] } },
          { name: 'b', namespaces: ['shop'], starters: { anyone: true }, approvers: { users: ['U0B'] } },
        ],
      }),
      'policy',
      'aws',
    );
    await assert.rejects(
      authorizeCampaign(policy, DIRECTORY, { ...both, approvers: [] }, { id: 'U0PAY' }),
      (err: unknown) =>
        err instanceof ValidationError &&
        /no one may approve every service account .* split it by namespace/.test(err.message),
    );
    const strict = { items: [item('bank', 'ledger')], approvers: [] };
    await assert.rejects(
      authorizeCampaign(POLICY, DIRECTORY, { ...strict, approval: 'wave' }, { id: 'U0PAY' }),
      (err: unknown) => err instanceof ValidationError && /access rule strict needs 2 approvals/.test(err.message),
    );
    assert.deepEqual(
      await authorizeCampaign(POLICY, DIRECTORY, { ...strict, approval: 'service-account' }, { id: 'U0PAY' }),
      { approvers: ['U0SRE1', 'U0SRE2'], minApprovals: 2 },
    );
  });

  test('pause, resume, abort: requester, approvers, or an operator of every rule involved', async () => {
    const state = {
      requestedBy: 'U0PAY',
      approvers: ['U0SRE1'],
      items: [item('payments', 'api'), item('shop', 'cart')],
    };
    for (const who of ['U0PAY', 'U0SRE1', 'U0ONCALL']) {
      assert.equal(await campaignOperateRefusal(state, who, DIRECTORY, POLICY), undefined, who);
    }
    assert.match((await campaignOperateRefusal(state, 'U0SHOP', DIRECTORY, POLICY)) ?? '', /only the requester/);
    assert.match((await campaignOperateRefusal(state, 'U0ONCALL', DIRECTORY, undefined)) ?? '', /only the requester/);
  });
});
