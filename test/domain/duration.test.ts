import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDurationSeconds } from '../../src/domain/duration.js';
import { ValidationError } from '../../src/domain/errors.js';

describe('parseDurationSeconds', () => {
  const valid: [string, number][] = [
    ['0', 0],
    ['45', 45],
    [' 45 ', 45],
    ['0s', 0],
    ['30s', 30],
    ['5m', 300],
    ['24h', 86_400],
    ['7d', 604_800],
    ['1h30m', 5_400],
    ['1d2h3m4s', 93_784],
    ['90m', 5_400],
    ['2m30s', 150],
  ];
  for (const [text, seconds] of valid) {
    test(`"${text}" -> ${seconds}`, () => assert.equal(parseDurationSeconds(text), seconds));
  }

  const invalid = [
    '',
    ' ',
    '-5',
    '-5m',
    '1.5h',
    '5x',
    'm',
    '5 m',
    '30m1h',
    '1h1h',
    'five',
    '5M',
    '1e3',
    '99999999999999999999',
  ];
  for (const text of invalid) {
    test(`rejects "${text}"`, () => {
      assert.throws(
        () => parseDurationSeconds(text),
        (err: unknown) => {
          assert.ok(err instanceof ValidationError);
          assert.match(err.message, /^duration ".*" is (not valid|too large)/);
          assert.equal(err.field, 'duration');
          return true;
        },
      );
    });
  }
});

describe('formatDuration', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [45, '45s'],
    [300, '5m'],
    [5_400, '1h30m'],
    [150, '2m30s'],
    [86_400, '1d'],
    [604_800, '7d'],
    [93_784, '1d2h3m4s'],
    [3_601, '1h1s'],
  ];
  for (const [seconds, text] of cases) {
    test(`${seconds} -> "${text}" and back`, () => {
      assert.equal(formatDuration(seconds), text);
      assert.equal(parseDurationSeconds(text), seconds);
    });
  }

  for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    test(`rejects ${bad}`, () => assert.throws(() => formatDuration(bad), ValidationError));
  }
});
