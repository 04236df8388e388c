import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { homedir, hostname, tmpdir } from 'node:os';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, type ReplayResult } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflows } from '../../src/temporal/worker.js';
import { WORKFLOW_TYPE } from '../../workflows/messages.js';
import {
  describeReplayFailure,
  HISTORY_DIR,
  historyFiles,
  loadFixtures,
  readManifest,
  RECORDING_IDENTITY,
  RECORDING_TASK_QUEUE,
  replayFixtures,
} from '../support/history-fixtures.js';
import { HISTORY_SCENARIOS } from '../support/history-scenarios.js';
import { workflowBundle } from '../support/temporal.js';

/**
 * Migrations wait days at the approval gate, so a deploy always meets runs that started
 * on the previous code: the new code must replay their histories exactly. These are the
 * recorded ones (`npm run record-histories`); README, "Changing workflow code safely".
 */
const fixtures = loadFixtures();

function workflowChange(name: string): string {
  return fileURLToPath(new URL(`../fixtures/workflow-changes/${name}.ts`, import.meta.url));
}

function bundleOf(workflowsPath: string) {
  return bundleWorkflows({ workflowsPath, logger: new DefaultLogger('WARN') });
}

describe('workflow replay: recorded histories replay on the current workflow code', () => {
  let replayed: Map<string, ReplayResult['error']>;
  before(async () => {
    replayed = await replayFixtures(fixtures, await workflowBundle());
  });

  test('the fixtures are the recorder’s scenarios (and kept histories), each file listed in the manifest', () => {
    const manifest = readManifest();
    const hint = 'record them again with `npm run record-histories` (README: "Changing workflow code safely")';
    assert.deepEqual(
      manifest.fixtures.filter((f) => !f.kept).map((f) => f.file),
      HISTORY_SCENARIOS.map((s) => `${s.name}.json`),
      `test/fixtures/histories does not match test/support/history-scenarios.ts: ${hint}`,
    );
    assert.deepEqual(
      historyFiles(),
      manifest.fixtures.map((f) => f.file).sort(),
      'every history in test/fixtures/histories needs a manifest entry (a recorded one, or one marked `kept`)',
    );
  });

  for (const fixture of fixtures) {
    test(`${fixture.file} (${fixture.summary}) replays`, () => {
      assert.ok(replayed.has(fixture.file), `${fixture.file} was not replayed`);
      const error = replayed.get(fixture.file);
      if (error) assert.fail(describeReplayFailure(fixture, error));
    });
  }

  test('the fixtures hold nothing of the machine that recorded them', () => {
    const machine = [process.cwd(), homedir(), tmpdir(), `@${hostname()}`];
    for (const file of historyFiles()) {
      const { events } = JSON.parse(readFileSync(`${HISTORY_DIR}${file}`, 'utf8')) as { events: unknown[] };
      const identities = new Set<string>();
      const taskQueues = new Set<string>();
      const texts: string[] = [];
      walk(events, (key, value, parent) => {
        if (key === 'identity') identities.add(value);
        if (key === 'stackTrace') assert.equal(value, '', `${file}: a stack trace`);
        if ((key === 'name' || key === 'normalName') && parent && 'kind' in parent) taskQueues.add(value);
        // Payloads are base64: read what they say.
        texts.push(key === 'data' ? Buffer.from(value, 'base64').toString('utf8') : value);
      });
      for (const needle of machine) {
        assert.equal(
          texts.find((t) => t.includes(needle)),
          undefined,
          `${file} contains ${needle}`,
        );
      }
      assert.deepEqual([...identities], [RECORDING_IDENTITY], `${file}: identities`);
      for (const queue of taskQueues) {
        assert.ok([RECORDING_TASK_QUEUE, `${RECORDING_TASK_QUEUE}-sticky`].includes(queue), `${file}: ${queue}`);
      }
    }
  });

  test('a change that breaks determinism (a new step without patched()) fails, naming each fixture', async () => {
    const broken = await replayFixtures(fixtures, await bundleOf(workflowChange('new-step-unpatched')));
    for (const fixture of fixtures) {
      const error = broken.get(fixture.file);
      if (fixture.workflowType !== WORKFLOW_TYPE) {
        assert.equal(error, undefined, `${fixture.file}: the ${fixture.workflowType} did not change`);
        continue;
      }
      assert.ok(error instanceof DeterminismViolationError, `${fixture.file}: ${String(error)}`);
      const message = describeReplayFailure(fixture, error);
      assert.match(message, new RegExp(`^test/fixtures/histories/${fixture.file} \\(`));
      assert.match(message, /DeterminismViolationError: .*nondeterminism/i);
    }
  });

  test('the same change behind patched() replays every recorded history', async () => {
    const safe = await replayFixtures(fixtures, await bundleOf(workflowChange('new-step-patched')));
    for (const fixture of fixtures) {
      const error = safe.get(fixture.file);
      assert.equal(error, undefined, error && describeReplayFailure(fixture, error));
    }
  });
});

/** Calls `visit` with every string in a JSON value, its key and the object holding it. */
function walk(
  value: unknown,
  visit: (key: string, value: string, parent?: Record<string, unknown>) => void,
  key = '',
  parent?: Record<string, unknown>,
): void {
  if (typeof value === 'string') visit(key, value, parent);
  else if (Array.isArray(value)) value.forEach((v) => walk(v, visit, key, parent));
  else if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(object)) walk(v, visit, k, object);
  }
}
