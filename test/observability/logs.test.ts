import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LogLevel } from '@slack/bolt';
import { loadConfig } from '../../src/config/index.js';
import { boltLogger } from '../../slack/logger.js';
import { logContext } from '../../src/observability/log-context.js';
import { createLogger } from '../../src/observability/logger.js';
import { temporalLogger } from '../../src/observability/temporal-logger.js';
import { lineSink } from './support.js';

const ENV = {
  SLACK_BOT_TOKEN: 'xoxb-999-888-unit-test-bot-token',
  SLACK_SIGNING_SECRET: 'unit-test-signing-secret-0123',
  SLACK_APP_TOKEN: 'xapp-1-A0APP-unit-test-app-token',
  AWS_SECRET_ACCESS_KEY: 'unitTestSecretAccessKey/With+Slash',
};

function setup() {
  const out = lineSink();
  const config = loadConfig(ENV);
  const logger = createLogger({ level: 'trace', secrets: config.secrets, component: 'test', destination: out });
  const parsed = () => out.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { out, config, logger, parsed };
}

describe('JSON logs', () => {
  test('one JSON object per line: ISO time, level name, component, message', () => {
    const { logger, parsed } = setup();
    logger.info({ cluster: 'sandbox-a' }, 'hello');
    const [line] = parsed();
    assert.equal(line?.msg, 'hello');
    assert.equal(line?.level, 'info');
    assert.equal(line?.component, 'test');
    assert.equal(line?.cluster, 'sandbox-a');
    assert.match(String(line?.time), /^\d{4}-\d\d-\d\dT/);
  });

  test('secrets from the configuration never reach the output: by key, in messages, in errors, nested', () => {
    const { out, config, logger } = setup();
    logger.info({ config }, 'the whole config object');
    logger.info({ slack: config.slack, botToken: ENV.SLACK_BOT_TOKEN }, 'keys');
    logger.warn(`a message quoting ${ENV.SLACK_SIGNING_SECRET} and ${ENV.AWS_SECRET_ACCESS_KEY}`);
    logger.error({ err: new Error(`auth failed for ${ENV.SLACK_APP_TOKEN}`) }, 'an error');
    logger.info({ headers: { authorization: 'Bearer something-else-entirely' } }, 'headers');
    const boltLog = boltLogger(logger, LogLevel.DEBUG);
    boltLog.debug('token', ENV.SLACK_BOT_TOKEN, { token: ENV.SLACK_BOT_TOKEN });
    temporalLogger(logger, 'TRACE').error('core', { error: new Error(ENV.SLACK_SIGNING_SECRET) });
    const text = out.text();
    assert.equal(out.lines.length, 7);
    for (const [key, value] of Object.entries(ENV)) assert.ok(!text.includes(value), `${key} leaked: ${text}`);
    assert.ok(!text.includes('something-else-entirely'), 'authorization headers are redacted by key');
    assert.ok(text.includes('[REDACTED]'));
  });

  test('the work in progress (activity, Slack request) adds its ids to every line', () => {
    const { logger, parsed } = setup();
    logContext.run({ workflowId: 'w-1', runId: 'r-1', cluster: 'sandbox-b', step: 'verifyCredentials' }, () =>
      logContext.run({ actor: 'U1' }, () => logger.info('inside')),
    );
    logger.info('outside');
    const [inside, outside] = parsed();
    assert.deepEqual(
      [inside?.workflowId, inside?.runId, inside?.cluster, inside?.step, inside?.actor],
      ['w-1', 'r-1', 'sandbox-b', 'verifyCredentials', 'U1'],
    );
    assert.equal(outside?.workflowId, undefined);
  });

  test('the Temporal SDK logger: filtered at MIGRATE_IDENTITY_LOG_LEVEL, run ids under our names', () => {
    const { logger, parsed } = setup();
    const sdk = temporalLogger(logger, 'WARN');
    sdk.info('dropped');
    sdk.warn('Activity failed', { workflowId: 'w', workflowRunId: 'r', activityType: 'createAssociation' });
    const lines = parsed();
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.source, 'temporal');
    assert.equal(lines[0]?.level, 'warn');
    assert.equal(lines[0]?.runId, 'r');
    assert.equal(lines[0]?.activityType, 'createAssociation');
  });

  test("Bolt's logger: levels, errors as err, name", () => {
    const { logger, parsed } = setup();
    const bolt = boltLogger(logger);
    bolt.setName('bolt-app');
    bolt.debug('dropped at INFO');
    bolt.error('listener failed', new Error('boom'));
    const lines = parsed();
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.msg, 'listener failed');
    assert.equal(lines[0]?.name, 'bolt-app');
    assert.equal((lines[0]?.err as { message?: string }).message, 'boom');
  });
});
