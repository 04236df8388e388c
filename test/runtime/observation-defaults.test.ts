import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config/index.js';
import { defaultFleet, parseFleet } from '../../src/config/fleet.js';
import { observationDefaults } from '../../src/runtime/observation.js';

const aws = (defaults: string) =>
  parseFleet(`mode: aws\ndefaults: { region: us-east-1${defaults} }\nclusters: [{ name: prod-a }]\n`, 'fleet.yaml');

describe("the worker's observation defaults, from the fleet file", () => {
  test('a sandbox fleet observes only when asked; a real one leaves OBSERVATION_DEFAULTS (7 days) in force', () => {
    assert.deepEqual(observationDefaults({ fleet: defaultFleet() }), { durationSeconds: 0 });
    assert.deepEqual(observationDefaults({ fleet: aws('') }), {});
  });

  test('defaults.observe and defaults.observeEvery, for either mode', () => {
    assert.deepEqual(observationDefaults({ fleet: aws(', observe: 3d, observeEvery: 2h') }), {
      durationSeconds: 3 * 86_400,
      sampleSeconds: 2 * 3600,
    });
    const sandbox = parseFleet('mode: sandbox\ndefaults: { observe: 1h }\nclusters: [{ name: sandbox-a }]\n', 'f.yaml');
    assert.deepEqual(observationDefaults({ fleet: sandbox }), { durationSeconds: 3600 });
  });

  test('a sample interval of 0 is refused naming the field', () => {
    assert.throws(
      () => observationDefaults({ fleet: aws(', observeEvery: 0') }),
      (err: unknown) => err instanceof ConfigError && /defaults\.observeEvery/.test(err.message),
    );
  });
});
