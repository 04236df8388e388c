import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** What `npm start` imports before it has a worker: its start stays short. */
describe('npm start imports', () => {
  let dir: string;
  let traces = 0;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mi-start-imports-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The npm packages a process that runs `script` (ESM, from the repository root) loads. */
  async function packagesLoadedBy(script: string): Promise<string[]> {
    const traceFile = join(dir, `trace-${traces++}.txt`);
    await run(
      process.execPath,
      ['--import', 'tsx', '--import', './test/support/package-trace.ts', '--input-type=module', '-e', script],
      { cwd: root, env: { ...process.env, PACKAGE_TRACE_FILE: traceFile } },
    );
    return readFileSync(traceFile, 'utf8').split('\n');
  }

  test('the dev server comes before the worker’s modules, which load while it boots', async () => {
    // start.ts's static imports: the local stack and the scan schedule.
    const packages = await packagesLoadedBy(
      "await import('./src/runtime/local-stack.ts'); await import('./src/runtime/scan-schedule.ts');",
    );
    // The runtime that starts the dev server, and not yet the worker's interceptors.
    assert.ok(packages.includes('@temporalio/worker'), packages.join(' '));
    assert.deepEqual(
      packages.filter((p) => p === '@temporalio/interceptors-opentelemetry' || p.startsWith('@slack/')),
      [],
    );
  });

  test('the worker’s notifiers load the Slack SDK only with Slack settings', async () => {
    const notifiers = (env: string) => `
      await import('./src/runtime/stack.ts');
      const { loadConfig } = await import('./src/config/index.ts');
      const config = loadConfig(${env});
      await (await import('./src/runtime/worker-notifier.ts')).createWorkerNotifier(config, { log: () => {} });
      await (await import('./src/runtime/drift-notifier.ts')).createDriftNotifier(config, { log: () => {} });`;
    const without = await packagesLoadedBy(notifiers('{}'));
    assert.ok(without.includes('@temporalio/interceptors-opentelemetry'), without.join(' '));
    assert.deepEqual(
      without.filter((p) => p.startsWith('@slack/')),
      [],
    );
    const slack = "{ SLACK_BOT_TOKEN: 'xoxb-t', SLACK_SIGNING_SECRET: 's', SLACK_DRIFT_CHANNEL: 'C1' }";
    assert.ok((await packagesLoadedBy(notifiers(slack))).includes('@slack/bolt'));
  });
});
