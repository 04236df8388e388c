import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pollDelayMs } from '../../src/domain/poll-backoff.js';

test('polls start short and double up to the ceiling', () => {
  const delays = Array.from({ length: 7 }, (_, i) => pollDelayMs(i, { firstMs: 100, maxMs: 2000 }));
  assert.deepEqual(delays, [100, 200, 400, 800, 1600, 2000, 2000]);
});

test('a ceiling below the first delay wins (tests poll every few milliseconds)', () => {
  assert.equal(pollDelayMs(0, { firstMs: 100, maxMs: 5 }), 5);
  assert.equal(pollDelayMs(10, { firstMs: 100, maxMs: 5 }), 5);
});

test('a late attempt stays at the ceiling, never Infinity', () => {
  assert.equal(pollDelayMs(5000, { firstMs: 100, maxMs: 2000 }), 2000);
});
