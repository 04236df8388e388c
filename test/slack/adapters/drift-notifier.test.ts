import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSlackDriftNotifier } from '../../../slack/adapters/drift-notifier.js';
import { createSlackWebClient } from '../../../slack/adapters/web-client.js';
import { fleetReport } from '../../support/fleet-report-fixture.js';
import { SlackApiStandIn } from '../../support/slack-api.js';

describe('Slack drift notifier', () => {
  let api: SlackApiStandIn;
  before(async () => {
    api = await SlackApiStandIn.start();
  });
  after(() => api.close());

  const post = () => {
    const report = fleetReport();
    return {
      workflowId: 'migrate-identity-scan/scheduled-1',
      scannedAt: report.scannedAt,
      newFindings: report.findings,
      totals: report.summary.findings,
    };
  };
  const notifier = (retry = {}) =>
    createSlackDriftNotifier(createSlackWebClient({ botToken: 'xoxb-test', apiUrl: api.apiUrl }), {
      channel: 'C0DRIFT',
      runUrl: (id) => `http://temporal/${encodeURIComponent(id)}`,
      retry: { backoffMs: 1, ...retry },
    });

  test('posts one message to the drift channel, linking to the scan', async () => {
    assert.deepEqual(await notifier().postNewDrift(post()), {});
    const [message] = api.messages.filter((m) => m.channel === 'C0DRIFT');
    assert.equal(message?.text, '2 new drift finding(s), 1 broken now');
    assert.ok(JSON.stringify(message?.blocks).includes('http://temporal/migrate-identity-scan%2Fscheduled-1'));
  });

  test('a post Slack refuses is a warning, after retrying what is worth retrying', async () => {
    api.failNext('chat.postMessage', { status: 500 }, 1);
    assert.deepEqual(await notifier().postNewDrift(post()), {});
    api.failNext('chat.postMessage', { error: 'channel_not_found' });
    const result = await notifier().postNewDrift(post());
    assert.match(result.warning ?? '', /^slack: posting new drift to C0DRIFT failed: .*channel_not_found/);
  });
});
