import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { devServerArgs, SERVER_DYNAMIC_CONFIG } from '../../src/temporal/server-config.js';

/**
 * The dev server and the compose server run with the same dynamic config
 * (src/temporal/server-config.ts): eager activity dispatch on in both.
 */
describe('Temporal server dynamic config', () => {
  test('the dev server gets each setting as a --dynamic-config-value, overridable', () => {
    assert.deepEqual(devServerArgs(), ['--dynamic-config-value', 'system.enableActivityEagerExecution=true']);
    assert.deepEqual(devServerArgs({ 'system.enableActivityEagerExecution': false }), [
      '--dynamic-config-value',
      'system.enableActivityEagerExecution=false',
    ]);
  });

  test("the compose server's dynamic config file sets the same values", () => {
    const file = parse(readFileSync('deploy/temporal/dynamicconfig/docker.yaml', 'utf8')) as Record<
      string,
      { value: unknown; constraints?: unknown }[]
    >;
    for (const [key, value] of Object.entries(SERVER_DYNAMIC_CONFIG)) {
      assert.deepEqual(file[key], [{ value }], key);
    }
  });
});
