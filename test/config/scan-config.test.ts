import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';

const SLACK = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' };

describe('fleet scan settings', () => {
  test('a daily Schedule by default; any interval of 5 minutes or more; off', () => {
    assert.deepEqual(loadConfig({}).scan, { intervalSeconds: 86_400 });
    assert.deepEqual(loadConfig({ MIGRATE_IDENTITY_SCAN_INTERVAL: '6h' }).scan, { intervalSeconds: 21_600 });
    assert.deepEqual(loadConfig({ MIGRATE_IDENTITY_SCAN_INTERVAL: 'off' }).scan, {});
    assert.throws(
      () => loadConfig({ MIGRATE_IDENTITY_SCAN_INTERVAL: '1m' }),
      /MIGRATE_IDENTITY_SCAN_INTERVAL: at least 5m/,
    );
    assert.throws(
      () => loadConfig({ MIGRATE_IDENTITY_SCAN_INTERVAL: 'daily' }),
      /MIGRATE_IDENTITY_SCAN_INTERVAL: duration "daily"/,
    );
  });

  test('SLACK_DRIFT_CHANNEL is a channel id, kept with the Slack settings', () => {
    assert.equal(loadConfig(SLACK).slack?.driftChannel, undefined);
    assert.equal(loadConfig({ ...SLACK, SLACK_DRIFT_CHANNEL: 'C0DRIFT' }).slack?.driftChannel, 'C0DRIFT');
    assert.throws(() => loadConfig({ ...SLACK, SLACK_DRIFT_CHANNEL: '#platform' }), /SLACK_DRIFT_CHANNEL/);
  });
});
