import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { toolPath } from '../support/tools.js';

/** deploy/observability: the alert rules pass promtool's checks and unit tests; the dashboard is sound. */
const DIR = fileURLToPath(new URL('../../deploy/observability/', import.meta.url));

function promtool(...args: string[]): string {
  const path = toolPath('PROMTOOL_PATH', 'promtool/bin/promtool');
  assert.ok(path, 'promtool is not provisioned: run bash scripts/provision-promtool.sh (npm test does)');
  return execFileSync(path, args, { cwd: DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

interface Dashboard {
  uid: string;
  panels: { id: number; title: string; targets: { expr: string; refId: string }[] }[];
}

describe('deploy/observability', () => {
  test('promtool check rules: alerts.yaml is valid', () => {
    assert.match(promtool('check', 'rules', 'alerts.yaml'), /SUCCESS: 5 rules found/);
  });

  test('promtool test rules: the alerts fire and clear when they should', () => {
    assert.match(promtool('test', 'rules', 'alerts.test.yaml'), /SUCCESS/);
  });

  test('the Grafana dashboard: valid JSON, unique panel ids, every panel queries something', () => {
    const dashboard = JSON.parse(readFileSync(`${DIR}grafana-dashboard.json`, 'utf8')) as Dashboard;
    assert.equal(dashboard.uid, 'migrate-identity');
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const panel of dashboard.panels) {
      assert.ok(panel.targets.length > 0, panel.title);
      for (const target of panel.targets) assert.match(target.expr, /(migrate_identity|temporal)_\w+/, panel.title);
    }
  });
});
