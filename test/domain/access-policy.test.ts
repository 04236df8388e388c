import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  approvalShortfall,
  globMatch,
  narrowApprovers,
  probeRefusal,
  ruleFor,
  snapshotOf,
  viewersOf,
  type AccessPolicy,
  type AccessRule,
} from '../../src/domain/access-policy.js';

const nobody = { anyone: false, users: [], userGroups: [] };

function rule(overrides: Partial<AccessRule>): AccessRule {
  return {
    namespaces: ['*'],
    clusters: ['*'],
    starters: { ...nobody, channels: [] },
    approvers: { ...nobody, users: ['U0APPROVER'], minApprovals: 1 },
    operators: nobody,
    probes: [],
    sharedRoles: [],
    ...overrides,
  };
}

const POLICY: AccessPolicy = {
  rules: [
    rule({ name: 'payments-prod', namespaces: ['payments', 'payments-*'], clusters: ['prod-*'] }),
    rule({ name: 'payments-anywhere', namespaces: ['payments-*'], probes: ['healthz'] }),
    rule({ name: 'staging-only', namespaces: ['*'], clusters: ['staging'] }),
  ],
  probes: { healthz: { argv: ['curl', '-sf', 'http://localhost/healthz'] }, other: { argv: ['true'] } },
  cliUsers: {},
};

describe('namespace and cluster patterns', () => {
  test('* matches any run of characters; the rest matches itself', () => {
    const cases: [string, string, boolean][] = [
      ['*', 'anything', true],
      ['*', '', true],
      ['payments', 'payments', true],
      ['payments', 'payments-api', false],
      ['payments-*', 'payments-api', true],
      ['payments-*', 'payments-', true],
      ['payments-*', 'payments', false],
      ['*-prod', 'eu-prod', true],
      ['*-prod', 'eu-prod-2', false],
      ['prod-*-a', 'prod-eu-west-a', true],
      ['prod-*-a', 'prod-eu-west-b', false],
      ['a*b*c', 'aXXbYYbZZc', true],
      ['a*b*c', 'aXXcYYb', false],
      ['p.y', 'pay', false],
    ];
    for (const [pattern, value, expected] of cases) {
      assert.equal(globMatch(pattern, value), expected, `${pattern} ~ ${value}`);
    }
  });

  test('first match wins: the first rule matching the namespace and covering every cluster', () => {
    assert.equal(ruleFor(POLICY, { namespace: 'payments', clusters: ['prod-a', 'prod-b'] })?.label, 'payments-prod');
    // prod and staging together: the first rule does not cover staging, the second does not match `payments`.
    assert.equal(ruleFor(POLICY, { namespace: 'payments', clusters: ['prod-a', 'staging'] }), undefined);
    assert.equal(
      ruleFor(POLICY, { namespace: 'payments-api', clusters: ['prod-a', 'staging'] })?.label,
      'payments-anywhere',
    );
    assert.equal(ruleFor(POLICY, { namespace: 'ledger', clusters: ['staging'] })?.label, 'staging-only');
    assert.equal(ruleFor(POLICY, { namespace: 'ledger', clusters: ['prod-a'] }), undefined);
  });

  test('an unnamed rule is named by its position', () => {
    const policy: AccessPolicy = { ...POLICY, rules: [rule({ namespaces: ['x'] }), rule({})] };
    assert.equal(ruleFor(policy, { namespace: 'y', clusters: ['c'] })?.label, 'rules[1]');
  });
});

describe('approvers of a run', () => {
  const allowed = { anyone: false, users: ['U0A', 'U0B', 'U0C'] };

  test('without named approvers the run gets the rule’s', () => {
    assert.deepEqual(narrowApprovers(allowed, []), { approvers: ['U0A', 'U0B', 'U0C'], refused: [] });
  });

  test('a request may narrow them', () => {
    assert.deepEqual(narrowApprovers(allowed, ['U0B', 'U0B']), { approvers: ['U0B'], refused: [] });
  });

  test('never widen them: who is not an approver is refused, by name', () => {
    assert.deepEqual(narrowApprovers(allowed, ['U0A', 'U0FRIEND']), { approvers: ['U0A'], refused: ['U0FRIEND'] });
  });

  test('`anyone` (sandbox) takes the named ones as they are', () => {
    assert.deepEqual(narrowApprovers({ anyone: true, users: [] }, ['U0X']), { approvers: ['U0X'], refused: [] });
  });

  test('enough approvers other than the requester for the minimum', () => {
    assert.equal(approvalShortfall(['U0A', 'U0B'], 'U0REQ', 2), undefined);
    assert.match(
      approvalShortfall(['U0A', 'U0REQ'], 'U0REQ', 2) ?? '',
      /2 approval\(s\) .* only 1 approver\(s\) other than U0REQ/,
    );
    assert.match(approvalShortfall([], 'U0REQ', 1) ?? '', /no approvers/);
  });
});

describe('probes', () => {
  test('only a probe the policy defines, and only where the rule allows it', () => {
    const [prod, anywhere] = POLICY.rules;
    assert.equal(probeRefusal(POLICY, anywhere, 'healthz'), undefined);
    assert.match(probeRefusal(POLICY, prod, 'healthz') ?? '', /not allowed for this service account/);
    assert.match(
      probeRefusal(POLICY, anywhere, 'sh') ?? '',
      /unknown probe "sh" \(the access policy defines healthz, other\)/,
    );
  });
});

describe('the snapshot a run keeps', () => {
  test('its rule’s name and operators as they were at start', () => {
    const matched = {
      rule: rule({ operators: { anyone: false, users: ['U0OPS'], userGroups: ['S0ONCALL'] } }),
      label: 'r',
    };
    assert.deepEqual(snapshotOf(matched), { rule: 'r', operators: ['U0OPS', 'S0ONCALL'], anyoneMayOperate: false });
  });
});

describe('who may view the fleet inventory', () => {
  test('without viewers: everyone the rules name (starters and their channels, approvers, operators), once each', () => {
    const policy: AccessPolicy = {
      ...POLICY,
      rules: [
        rule({
          starters: { ...nobody, users: ['U0DEV'], channels: ['C0OPS'] },
          approvers: { ...nobody, users: ['U0LEAD'], userGroups: ['S0SRE'], minApprovals: 1 },
          operators: { ...nobody, userGroups: ['S0ONCALL'] },
        }),
        rule({ approvers: { ...nobody, users: ['U0LEAD'], minApprovals: 1 } }),
      ],
    };
    assert.deepEqual(viewersOf(policy), {
      anyone: false,
      users: ['U0DEV', 'U0LEAD'],
      userGroups: ['S0SRE', 'S0ONCALL'],
      channels: ['C0OPS'],
    });
    const open = { ...policy, rules: [...policy.rules, rule({ starters: { ...nobody, anyone: true, channels: [] } })] };
    assert.equal(viewersOf(open).anyone, true, 'anyone may start somewhere: anyone may view');
  });

  test('the policy’s viewers, when given, and nobody else', () => {
    const viewers = { anyone: false, users: ['U0READ'], userGroups: [], channels: [] };
    assert.deepEqual(viewersOf({ ...POLICY, viewers }), viewers);
  });
});
