import { LogLevel } from '@slack/bolt';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lineLogger } from '../../slack/logger.js';

describe('lineLogger (Bolt logs on npm start)', () => {
  test('prints at or above the level, named by Bolt once it names itself', () => {
    const lines: string[] = [];
    const logger = lineLogger((line) => lines.push(line), LogLevel.WARN);
    logger.info('hidden');
    logger.warn('socket closed', { code: 1006 });
    logger.setName('bolt-app');
    logger.setLevel(LogLevel.DEBUG);
    logger.debug('shown');
    const err = new Error('boom');
    logger.error(err);
    assert.equal(logger.getLevel(), LogLevel.DEBUG);
    assert.deepEqual(lines.slice(0, 2), ['[slack] warn: socket closed {"code":1006}', '[bolt-app] debug: shown']);
    assert.equal(lines[2], `[bolt-app] error: ${err.stack}`);
    assert.equal(lines.length, 3);
  });
});
