import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadCampaignPolicy, parseCampaignPolicy } from '../../src/config/campaign-policy.js';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const rejects = (text: string, message: RegExp, clusters?: string[]) =>
  assert.throws(
    () => parseCampaignPolicy(text, 'policy.yaml', clusters),
    (err: unknown) => err instanceof ConfigError && message.test(err.message),
  );

describe('campaign policy file', () => {
  test('the example parses', () => {
    const text = readFileSync(new URL('../../campaign-policy.example.yaml', import.meta.url), 'utf8');
    const policy = parseCampaignPolicy(text, 'example');
    assert.equal(policy.canary, 'staging-a');
    assert.deepEqual(policy.production, ['prod-*']);
    assert.deepEqual(
      policy.namespaces.map((r) => [r.match[0], r.keepIrsa ?? false, r.wave]),
      [
        ['kube-system', true, undefined],
        ['sandbox-*', false, 1],
        ['payments', false, 4],
      ],
    );
  });

  test('empty is no policy', () => {
    assert.deepEqual(parseCampaignPolicy('', 'policy.yaml'), { namespaces: [] });
  });

  test('a problem names the field', () => {
    rejects('namespaces:\n  - match: [a]\n', /^policy\.yaml: namespaces\.0: a rule needs keepIrsa: true or a wave$/);
    rejects('namespaces:\n  - match: [a]\n    keepIrsa: true\n    wave: 2\n', /keepIrsa and wave exclude each other/);
    rejects('namespaces:\n  - match: [a]\n    wave: 0\n', /namespaces\.0\.wave/);
    rejects('namespaces:\n  - match: ["a b"]\n    wave: 1\n', /namespaces\.0\.match\.0: a name, or a pattern with \*/);
    rejects('canery: a\n', /Unrecognized key.*canery/);
    rejects('canary: prod-z\n', /canary: "prod-z" is not a fleet cluster \(prod-a, prod-b\)/, ['prod-a', 'prod-b']);
    rejects('production: [\n', /not valid YAML/);
  });

  test('read from MIGRATE_IDENTITY_CAMPAIGN_POLICY at start-up; a missing file stops it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mi-policy-'));
    try {
      const path = join(dir, 'policy.yaml');
      writeFileSync(path, 'canary: sandbox-a\nnamespaces:\n  - match: [kube-system]\n    keepIrsa: true\n');
      const config = loadConfig({ MIGRATE_IDENTITY_CAMPAIGN_POLICY: path });
      assert.equal(config.campaignPolicy?.policy.canary, 'sandbox-a');
      assert.equal(config.campaignPolicy?.source, path);
      assert.equal(loadConfig({}).campaignPolicy, undefined);
      assert.throws(
        () => loadCampaignPolicy(join(dir, 'missing.yaml')),
        (err: unknown) => err instanceof ConfigError && /missing\.yaml: ENOENT/.test(err.message),
      );
      writeFileSync(path, 'canary: nowhere\n');
      assert.throws(
        () => loadConfig({ MIGRATE_IDENTITY_CAMPAIGN_POLICY: path }),
        (err: unknown) => err instanceof ConfigError && /"nowhere" is not a fleet cluster/.test(err.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
