import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAccessPolicy } from '../../src/config/access-policy.js';
import { AccessPolicyStore, ConfigError, loadConfig } from '../../src/config/index.js';

const VALID = `
rules:
  - name: payments
    namespaces: [payments-*]
    clusters: [prod-*]
    starters: { userGroups: [S0PAY], channels: [C0OPS] }
    approvers: { users: [U0A, U0B], minApprovals: 2 }
    operators: { userGroups: [S0ONCALL] }
    probes: [healthz]
  - namespaces: ['*']
    starters: { anyone: true }
    approvers: { userGroups: [S0SRE] }
probes:
  healthz: { argv: [curl, -sf, http://localhost/healthz] }
`;

describe('the access policy file', () => {
  test('a valid policy, with defaults filled in', () => {
    const policy = parseAccessPolicy(VALID, 'test.yaml', 'aws');
    assert.equal(policy.rules.length, 2);
    const [payments, rest] = policy.rules;
    assert.equal(payments?.approvers.minApprovals, 2);
    assert.deepEqual(rest?.clusters, ['*']);
    assert.equal(rest?.approvers.minApprovals, 1);
    assert.deepEqual(rest?.operators, { anyone: false, users: [], userGroups: [] });
    assert.deepEqual(policy.probes.healthz?.argv, ['curl', '-sf', 'http://localhost/healthz']);
    assert.deepEqual(rest?.sharedRoles, [], 'no shared role is accepted unless listed');
    const listed = parseAccessPolicy(
      VALID.replace(
        'probes: [healthz]',
        'probes: [healthz]\n    sharedRoles: ["arn:aws:iam::111122223333:role/shop-*"]',
      ),
      'test.yaml',
      'aws',
    );
    assert.deepEqual(listed.rules[0]?.sharedRoles, ['arn:aws:iam::111122223333:role/shop-*']);
  });

  const refuse: [string, string, RegExp][] = [
    [
      'minApprovals below one',
      VALID.replace('minApprovals: 2', 'minApprovals: 0'),
      /^access policy rules\[0\]\.approvers\.minApprovals: expected a number ≥ 1 \(in test\.yaml\)$/,
    ],
    [
      'minApprovals not a number',
      VALID.replace('minApprovals: 2', 'minApprovals: two'),
      /access policy rules\[0\]\.approvers\.minApprovals: expected a number ≥ 1/,
    ],
    [
      'more approvals than listed approvers',
      VALID.replace('minApprovals: 2', 'minApprovals: 3'),
      /rules\[0\]\.approvers\.minApprovals: 3 approvals needed but only 2 approver\(s\) listed/,
    ],
    [
      'an unknown field',
      VALID.replace('probes: [healthz]', 'probe: [healthz]'),
      /rules\[0\]: Unrecognized key: "probe"/,
    ],
    [
      'a probe no one defined',
      VALID.replace('probes: [healthz]', 'probes: [shell]'),
      /rules\[0\]\.probes\[0\]: unknown probe "shell" \(defined: healthz\)/,
    ],
    [
      'a shared role that is not a role ARN',
      VALID.replace('probes: [healthz]', 'probes: [healthz]\n    sharedRoles: [eks-shop-ml]'),
      /rules\[0\]\.sharedRoles\[0\]: expected a role ARN or a pattern of one with \*/,
    ],
    [
      'a user group that is not one',
      VALID.replace('S0PAY', 'payments-team'),
      /rules\[0\]\.starters\.userGroups\[0\]: expected a Slack user group id/,
    ],
    [
      'no approvers',
      VALID.replace('approvers: { userGroups: [S0SRE] }', 'approvers: {}'),
      /rules\[1\]\.approvers: expected users or userGroups/,
    ],
    [
      'no starters',
      VALID.replace('starters: { anyone: true }', 'starters: {}'),
      /rules\[1\]\.starters: expected users, userGroups, channels or anyone/,
    ],
    ['no rules', 'rules: []', /access policy rules: expected at least one rule/],
    [
      'a shell line as a probe',
      VALID.replace('argv: [curl, -sf, http://localhost/healthz]', "argv: 'sh -c id'"),
      /probes\.healthz\.argv/,
    ],
    ['not YAML', 'rules: [', /access policy test\.yaml: not valid YAML/],
    [
      'viewers that name nobody',
      `${VALID}viewers: {}\n`,
      /access policy viewers: expected users, userGroups, channels or anyone/,
    ],
    [
      'a viewer channel that is not one',
      `${VALID}viewers: { channels: [platform-ops] }\n`,
      /access policy viewers\.channels\[0\]: expected a Slack channel id/,
    ],
  ];
  for (const [what, text, message] of refuse) {
    test(`refuses ${what}, naming the field`, () => {
      assert.throws(
        () => parseAccessPolicy(text, 'test.yaml', 'aws'),
        (err: unknown) => err instanceof ConfigError && message.test(err.message),
      );
    });
  }

  test('viewers of the fleet inventory: optional, kept as given', () => {
    assert.equal(parseAccessPolicy(VALID, 'test.yaml', 'aws').viewers, undefined);
    const policy = parseAccessPolicy(
      `${VALID}viewers: { userGroups: [S0READ], channels: [C0OPS] }\n`,
      'test.yaml',
      'aws',
    );
    assert.deepEqual(policy.viewers, { anyone: false, users: [], userGroups: ['S0READ'], channels: ['C0OPS'] });
  });

  test('anyone may approve only on a sandbox fleet', () => {
    const text = VALID.replace('approvers: { userGroups: [S0SRE] }', 'approvers: { anyone: true }');
    assert.throws(
      () => parseAccessPolicy(text, 'test.yaml', 'aws'),
      /rules\[1\]\.approvers\.anyone: allowed only with a sandbox fleet/,
    );
    assert.equal(parseAccessPolicy(text, 'test.yaml', 'sandbox').rules[1]?.approvers.anyone, true);
  });

  test('the committed example and the sandbox default are valid', () => {
    const example = parseAccessPolicy(readFileSync('access-policy.example.yaml', 'utf8'), 'example', 'aws');
    assert.equal(example.rules[0]?.approvers.minApprovals, 2);
    const sandbox = parseAccessPolicy(readFileSync('access-policy.sandbox.yaml', 'utf8'), 'sandbox', 'sandbox');
    assert.equal(sandbox.rules[0]?.starters.anyone, true);
  });
});

describe('loading it with the configuration', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mi-policy-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('from the fleet file, relative to it; MIGRATE_IDENTITY_ACCESS_POLICY overrides', () => {
    writeFileSync(join(dir, 'policy.yaml'), VALID);
    writeFileSync(join(dir, 'other.yaml'), VALID.replace('name: payments', 'name: other'));
    const fleet = join(dir, 'fleet.yaml');
    writeFileSync(
      fleet,
      'mode: aws\naccessPolicy: ./policy.yaml\ndefaults: { region: us-east-1 }\nclusters: [{ name: prod-a }]\n',
    );
    const config = loadConfig({ MIGRATE_IDENTITY_FLEET_FILE: fleet });
    assert.equal(config.accessPolicy?.path, join(dir, 'policy.yaml'));
    assert.equal(config.accessPolicy?.policy.rules[0]?.name, 'payments');
    const overridden = loadConfig({
      MIGRATE_IDENTITY_FLEET_FILE: fleet,
      MIGRATE_IDENTITY_ACCESS_POLICY: join(dir, 'other.yaml'),
    });
    assert.equal(overridden.accessPolicy?.policy.rules[0]?.name, 'other');
  });

  test('a bad policy file stops start-up, naming the file and the field', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, VALID.replace('minApprovals: 2', 'minApprovals: -1'));
    assert.throws(
      () => loadConfig({ MIGRATE_IDENTITY_ACCESS_POLICY: bad }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message.includes('rules[0].approvers.minApprovals: expected a number ≥ 1') &&
        err.message.includes(bad),
    );
    assert.throws(
      () => loadConfig({ MIGRATE_IDENTITY_ACCESS_POLICY: join(dir, 'missing.yaml') }),
      /access policy .*missing\.yaml: ENOENT/,
    );
  });

  test('no policy: none in the configuration (Slack then starts nothing)', () => {
    assert.equal(loadConfig({}).accessPolicy, undefined);
  });

  test('the settings the policy replaced are refused, saying where they went', () => {
    for (const name of ['SLACK_APPROVERS', 'SLACK_ALLOWED_STARTERS']) {
      assert.throws(
        () => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', [name]: 'U0A' }),
        new RegExp(`${name} is no longer read: .*access policy file`),
      );
    }
  });

  test('a reload reads the file again; a broken file keeps the policy in force', () => {
    const file = join(dir, 'reloaded.yaml');
    writeFileSync(file, VALID);
    const store = new AccessPolicyStore(loadConfig({ MIGRATE_IDENTITY_ACCESS_POLICY: file }).accessPolicy, 'aws');
    writeFileSync(file, VALID.replace('name: payments', 'name: renamed'));
    assert.equal(store.reload().ok, true);
    assert.equal(store.current()?.rules[0]?.name, 'renamed');
    writeFileSync(file, 'rules: [');
    const failed = store.reload();
    assert.equal(failed.ok, false);
    assert.match(failed.message, /previous one stays in force/);
    assert.equal(store.current()?.rules[0]?.name, 'renamed');
  });
});
