import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { parseFleet } from '../../src/config/fleet.js';

describe('loadConfig', () => {
  test('the embedded default: sandbox fleet, local Temporal, no Slack', () => {
    const config = loadConfig({});
    assert.equal(config.fleet.mode, 'sandbox');
    assert.deepEqual(
      config.fleet.clusters.map((c) => c.name),
      ['sandbox-a', 'sandbox-b', 'sandbox-c', 'sandbox-unhealthy'],
    );
    assert.equal(config.temporal.address, '127.0.0.1:7233');
    assert.equal(config.temporal.taskQueue, 'migrate-identity');
    assert.equal(config.slack, undefined);
    assert.equal(config.logLevel, 'WARN');
  });

  test('bad values name the variable', () => {
    assert.throws(
      () => loadConfig({ TEMPORAL_UI_URL: 'not a url' }),
      (e: unknown) => e instanceof ConfigError && /TEMPORAL_UI_URL/.test(e.message),
    );
    assert.throws(() => loadConfig({ SLACK_PORT: '99999' }), /SLACK_PORT/);
    assert.throws(() => loadConfig({ MIGRATE_IDENTITY_LOG_LEVEL: 'LOUD' }), /MIGRATE_IDENTITY_LOG_LEVEL/);
  });

  test('sandbox API latency: from the fleet file, the environment overriding it; not a number: named', () => {
    assert.equal(loadConfig({}).fleet.sandbox?.latencyMs, undefined);
    assert.equal(loadConfig({ MIGRATE_IDENTITY_SANDBOX_LATENCY_MS: '30' }).fleet.sandbox?.latencyMs, 30);
    assert.equal(parseFleet('mode: sandbox\nsandbox: { latencyMs: 5 }\n', 'f').sandbox?.latencyMs, 5);
    const dir = mkdtempSync(join(tmpdir(), 'mi-config-'));
    try {
      const file = join(dir, 'fleet.yaml');
      writeFileSync(file, 'mode: sandbox\nsandbox: { latencyMs: 5, podStartMs: 10 }\n');
      const config = loadConfig({ MIGRATE_IDENTITY_FLEET_FILE: file, MIGRATE_IDENTITY_SANDBOX_LATENCY_MS: '40' });
      assert.deepEqual(config.fleet.sandbox, { latencyMs: 40, podStartMs: 10 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.throws(
      () => loadConfig({ MIGRATE_IDENTITY_SANDBOX_LATENCY_MS: 'slow' }),
      /MIGRATE_IDENTITY_SANDBOX_LATENCY_MS/,
    );
  });

  test('Slack is on only with a complete set of credentials', () => {
    assert.throws(() => loadConfig({ SLACK_SIGNING_SECRET: 's' }), /SLACK_BOT_TOKEN: required/);
    assert.throws(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' }), /SLACK_SIGNING_SECRET: required/);
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' });
    assert.equal(config.slack?.botToken, 'xoxb-1');
  });

  test('a fleet file that does not exist or does not parse is named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mi-config-'));
    try {
      assert.throws(
        () => loadConfig({ MIGRATE_IDENTITY_FLEET_FILE: join(dir, 'none.yaml') }),
        /fleet file .*none\.yaml: ENOENT/,
      );
      const file = join(dir, 'fleet.yaml');
      writeFileSync(file, 'mode: aws\nclusters:\n  - name: prod-a\n');
      assert.throws(() => loadConfig({ MIGRATE_IDENTITY_FLEET_FILE: file }), /clusters\.0\.region: required/);
      writeFileSync(
        file,
        'mode: aws\ndefaults: { region: us-east-1 }\nclusters:\n  - name: prod-a\n    accountId: "123456789012"\n',
      );
      assert.equal(loadConfig({ MIGRATE_IDENTITY_FLEET_FILE: file }).fleet.clusters[0]?.name, 'prod-a');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseFleet', () => {
  const refuse: [string, RegExp][] = [
    ['mode: kubernetes', /mode/],
    ['mode: aws\ndefaults: { region: x }\nclusters: []', /at least one cluster/],
    ['mode: aws\ndefaults: { region: x }\nclusters: [{ name: a }, { name: a }]', /duplicate cluster "a"/],
    [
      'mode: aws\ndefaults: { region: x }\nclusters: [{ name: a, accountId: "12" }]',
      /clusters\.0\.accountId: must be a 12-digit/,
    ],
    ['mode: aws\ndefaults: { region: x }\nclusters: [{ name: a, colour: blue }]', /colour/],
    ['mode: sandbox\n  bad: [', /not valid YAML/],
    // IAM's quota for a role trust policy goes up to 4,096 characters and no further.
    [
      'mode: aws\ndefaults: { region: x }\niam: { trustPolicySizeLimit: 8192 }\nclusters: [{ name: a }]',
      /iam\.trustPolicySizeLimit: IAM raises the role trust policy length quota to 4,096 characters at most/,
    ],
    [
      'mode: aws\ndefaults: { region: x }\niam: { trustPolicySizeLimit: 1024 }\nclusters: [{ name: a }]',
      /iam\.trustPolicySizeLimit: IAM's default role trust policy length is 2,048/,
    ],
    // A context named by `aws eks update-kubeconfig` says which EKS cluster it is.
    [
      'mode: aws\ndefaults: { region: us-east-1 }\nclusters:\n  - { name: staging, kubeconfigContext: "arn:aws:eks:us-east-1:123456789012:cluster/staging-eks" }',
      /clusters\.0\.eksClusterName: kubeconfig context arn:aws:eks:us-east-1:123456789012:cluster\/staging-eks is EKS cluster "staging-eks", but EKS calls would go to "staging": set eksClusterName: staging-eks/,
    ],
    [
      'mode: aws\ndefaults: { region: eu-west-1 }\nclusters:\n  - { name: staging, kubeconfigContext: "arn:aws:eks:us-east-1:123456789012:cluster/staging" }',
      /clusters\.0\.region: kubeconfig context .* is in us-east-1, not eu-west-1/,
    ],
  ];
  for (const [text, message] of refuse) {
    test(`refuses ${JSON.stringify(text)}`, () => assert.throws(() => parseFleet(text, 'fleet.yaml'), message));
  }
  test('the raised trust policy quota, 4,096, is accepted', () => {
    const fleet = parseFleet(
      'mode: aws\ndefaults: { region: x }\niam: { trustPolicySizeLimit: 4096 }\nclusters: [{ name: a }]',
      'fleet.yaml',
    );
    assert.equal(fleet.iam?.trustPolicySizeLimit, 4096);
  });

  test('an EKS context with the matching eksClusterName is accepted', () => {
    const fleet = parseFleet(
      'mode: aws\ndefaults: { region: us-east-1 }\nclusters:\n  - { name: staging, eksClusterName: staging-eks, kubeconfigContext: "arn:aws:eks:us-east-1:123456789012:cluster/staging-eks" }',
      'fleet.yaml',
    );
    assert.equal(fleet.clusters[0]?.eksClusterName, 'staging-eks');
  });

  test('the committed example is valid', async () => {
    const { readFileSync } = await import('node:fs');
    const fleet = parseFleet(readFileSync('fleet.example.yaml', 'utf8'), 'fleet.example.yaml');
    assert.equal(fleet.mode, 'aws');
    assert.equal(fleet.clusters.length, 3);
  });
});
