import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import { ACTIVITY_API } from '../../src/observability/activity-interceptor.js';

test('every activity the worker registers has an API label for migrate_identity_api_errors_total', () => {
  const names = Object.keys(createActivities({} as ActivityDeps)).sort();
  assert.ok(names.length > 0);
  assert.deepEqual(
    names.filter((name) => !(name in ACTIVITY_API)),
    [],
  );
});
