import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/**
 * `npm start` without Slack settings: the local stack and the worker's notifiers load no
 * Slack SDK (it was a quarter of what the start imported); with them, the notifiers load it.
 */
test('the worker’s notifiers load the Slack SDK only with Slack settings', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mi-start-imports-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  async function packagesLoaded(slack: boolean): Promise<string[]> {
    const traceFile = join(dir, `trace-${slack}.txt`);
    const env = slack ? "{ SLACK_BOT_TOKEN: 'xoxb-t', SLACK_SIGNING_SECRET: 's', SLACK_DRIFT_CHANNEL: 'C1' }" : '{}';
    const script = `
      await import('./src/runtime/local-stack.ts');
      await import('./src/runtime/scan-schedule.ts');
      const { loadConfig } = await import('./src/config/index.ts');
      const config = loadConfig(${env});
      await (await import('./src/runtime/worker-notifier.ts')).createWorkerNotifier(config, { log: () => {} });
      await (await import('./src/runtime/drift-notifier.ts')).createDriftNotifier(config, { log: () => {} });`;
    await run(
      process.execPath,
      ['--import', 'tsx', '--import', './test/support/package-trace.ts', '--input-type=module', '-e', script],
      { cwd: root, env: { ...process.env, PACKAGE_TRACE_FILE: traceFile } },
    );
    return readFileSync(traceFile, 'utf8').split('\n');
  }
  const without = await packagesLoaded(false);
  assert.ok(without.includes('@temporalio/worker'), without.join(' '));
  assert.deepEqual(
    without.filter((p) => p.startsWith('@slack/')),
    [],
  );
  assert.ok((await packagesLoaded(true)).includes('@slack/bolt'));
});
