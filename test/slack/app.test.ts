import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import { createSlackApp, startSlackApp } from '../../slack/app.js';
import { loadConfig } from '../../src/config/index.js';
import { SlackApiStandIn } from '../support/slack-api.js';
import { StubMigrations } from '../support/slack-stub-migrations.js';

describe('startSlackApp / createSlackApp', () => {
  let api: SlackApiStandIn;
  before(async () => {
    api = await SlackApiStandIn.start();
  });
  after(() => api.close());

  const receiverOf = (app: object) => Reflect.get(app, 'receiver') as unknown;

  test('an app-level token selects Socket Mode; otherwise the signed HTTP receiver', () => {
    const base = { SLACK_BOT_TOKEN: 'xoxb-t', SLACK_API_URL: api.apiUrl };
    const socket = loadConfig({ ...base, SLACK_APP_TOKEN: 'xapp-t' });
    const http = loadConfig({ ...base, SLACK_SIGNING_SECRET: 's' });
    const deps = { migrations: new StubMigrations() };
    assert.ok(receiverOf(createSlackApp(socket.slack!, socket.fleet, deps)) instanceof SocketModeReceiver);
    assert.ok(receiverOf(createSlackApp(http.slack!, http.fleet, deps)) instanceof HTTPReceiver);
  });

  test('HTTP mode listens on the configured port (0: a free one), has a health route, logs through `log`', async () => {
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-t',
      SLACK_SIGNING_SECRET: 's',
      SLACK_PORT: '0',
      SLACK_API_URL: api.apiUrl,
    });
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const app = await startSlackApp(config, { migrations: new StubMigrations(), host: '127.0.0.1', log });
    try {
      assert.ok(app.port > 0);
      const res = await fetch(`http://127.0.0.1:${app.port}/healthz`);
      assert.equal(await res.text(), 'ok');
      const unsigned = await fetch(`http://127.0.0.1:${app.port}/slack/events`, { method: 'POST', body: 'command=x' });
      assert.equal(unsigned.status, 401);
      assert.ok(
        lines.some((l) => /^\[slack\] warn: .*Failed to verify authenticity/.test(l)),
        lines.join('\n'),
      );
    } finally {
      await app.stop();
    }
  });

  test('a bot token Slack rejects fails the start, not each request', async () => {
    api.failNext('auth.test', { error: 'invalid_auth' });
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-bad',
      SLACK_SIGNING_SECRET: 's',
      SLACK_PORT: '0',
      SLACK_API_URL: api.apiUrl,
    });
    await assert.rejects(
      startSlackApp(config, { migrations: new StubMigrations(), host: '127.0.0.1' }),
      /invalid_auth/,
    );
  });

  test('without Slack settings there is nothing to start', async () => {
    await assert.rejects(
      startSlackApp(loadConfig({}), { migrations: new StubMigrations() }),
      /Slack is not configured/,
    );
  });
});
