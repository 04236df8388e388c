import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValidationError } from '../../src/domain/errors.js';
import type { DURATION_LIMITS } from '../../src/domain/option-limits.js';
import { checkDurationLimits } from '../../src/domain/option-limits.js';
import { DEFAULT_OPTIONS } from '../../src/domain/types.js';

describe('duration limits', () => {
  test('the defaults are within bounds, and each maximum itself is allowed', () => {
    checkDurationLimits(DEFAULT_OPTIONS);
    checkDurationLimits({
      ...DEFAULT_OPTIONS,
      consistencyWaitSeconds: 3600,
      consistencyRetryWindowSeconds: 3600,
      soakSeconds: 7 * 86_400,
      approvalWindowSeconds: 30 * 86_400,
      rolloutTimeoutSeconds: 3600,
    });
  });

  const over: [keyof typeof DURATION_LIMITS, RegExp][] = [
    ['consistencyWaitSeconds', /^--consistency-wait 36500d is over the maximum of 1h$/],
    ['consistencyRetryWindowSeconds', /^--consistency-retry-window 36500d is over the maximum of 1h$/],
    ['soakSeconds', /^--soak 36500d is over the maximum of 7d$/],
    ['approvalWindowSeconds', /^--approval-window 36500d is over the maximum of 30d$/],
    ['approvalReminderSeconds', /^--approval-reminder 36500d is over the maximum of 30d$/],
    ['rolloutTimeoutSeconds', /^--rollout-timeout 36500d is over the maximum of 1h$/],
  ];
  for (const [key, message] of over) {
    test(`${key} of 36,500 days is refused, naming the flag and the maximum`, () => {
      assert.throws(
        () => checkDurationLimits({ ...DEFAULT_OPTIONS, [key]: 36_500 * 86_400 }),
        (err: unknown) => err instanceof ValidationError && message.test(err.message),
      );
    });
  }

  const evidenceOver: [string, object, RegExp][] = [
    [
      'sdkAuditLookbackSeconds',
      { sdkAuditLookbackSeconds: 91 * 86_400 },
      /^--sdk-audit-lookback 91d is over the maximum of 90d$/,
    ],
    ['waitSeconds', { waitSeconds: 36_500 * 86_400 }, /^--evidence-wait 36500d is over the maximum of 1d$/],
  ];
  for (const [key, evidence, message] of evidenceOver) {
    test(`evidence ${key} over its maximum is refused, naming the flag and the maximum`, () => {
      assert.throws(
        () => checkDurationLimits({ ...DEFAULT_OPTIONS, evidence }),
        (err: unknown) => err instanceof ValidationError && message.test(err.message),
      );
    });
  }

  test('the evidence maxima themselves are allowed', () => {
    checkDurationLimits({
      ...DEFAULT_OPTIONS,
      evidence: { sdkAuditLookbackSeconds: 90 * 86_400, waitSeconds: 86_400 },
    });
  });

  test('an observation up to 30 days and a sample at most a day apart, and never more than 500 samples', () => {
    checkDurationLimits({ ...DEFAULT_OPTIONS, observation: { durationSeconds: 30 * 86_400, sampleSeconds: 86_400 } });
    checkDurationLimits({ ...DEFAULT_OPTIONS, observation: { durationSeconds: 0, sampleSeconds: 1 } });
    const refused: [object, RegExp][] = [
      [{ durationSeconds: 31 * 86_400 }, /^--observe 31d is over the maximum of 30d$/],
      [{ sampleSeconds: 2 * 86_400 }, /^--observe-every 2d is over the maximum of 1d$/],
      [
        { durationSeconds: 7 * 86_400, sampleSeconds: 60 },
        /^--observe 7d with a sample every 1m is 10080 samples, over the 500 one run holds/,
      ],
    ];
    for (const [observation, message] of refused) {
      assert.throws(
        () => checkDurationLimits({ ...DEFAULT_OPTIONS, observation }),
        (err: unknown) => err instanceof ValidationError && message.test(err.message),
        JSON.stringify(observation),
      );
    }
  });

  test('a negative or fractional duration is refused', () => {
    assert.throws(() => checkDurationLimits({ ...DEFAULT_OPTIONS, soakSeconds: -1 }), ValidationError);
    assert.throws(() => checkDurationLimits({ ...DEFAULT_OPTIONS, consistencyWaitSeconds: 1.5 }), ValidationError);
  });
});
