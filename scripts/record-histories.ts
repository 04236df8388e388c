/**
 * Records the workflow histories that test/workflows/replay.test.ts replays: each scenario
 * of test/support/history-scenarios.ts runs on the time-skipping server and the sandbox
 * fleet, and its history becomes test/fixtures/histories/<name>.json, listed in
 * manifest.json. The directory is rewritten only when every scenario went as expected;
 * histories the manifest marks `kept` stay as they are.
 *   npm run record-histories
 * Re-recording accepts whatever the current workflow code does: read "Changing workflow
 * code safely" in the README first.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import {
  HISTORY_DIR,
  keptEntries,
  MANIFEST_FILE,
  normaliseHistory,
  type FixtureEntry,
  type Manifest,
} from '../test/support/history-fixtures.js';
import { HISTORY_SCENARIOS } from '../test/support/history-scenarios.js';
import { createTimeSkippingEnv } from '../test/support/temporal.js';

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

async function run(): Promise<void> {
  const files = new Map<string, string>();
  const entries: FixtureEntry[] = [];
  // A server per scenario: whatever workflows one scenario leaves behind must not shape the
  // next scenario's history.
  for (const scenario of HISTORY_SCENARIOS) {
    const env = await createTimeSkippingEnv();
    try {
      const started = Date.now();
      const { workflowId, runId } = await scenario.record(env);
      const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
      const file = `${scenario.name}.json`;
      const text = normaliseHistory(history);
      files.set(file, text);
      entries.push({ file, workflowId, workflowType: scenario.workflowType, summary: scenario.summary });
      console.log(
        `${scenario.name.padEnd(18)} ${String(history.events?.length ?? 0).padStart(4)} events ${kib(Buffer.byteLength(text)).padStart(10)}  ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    } finally {
      await env.teardown();
    }
  }

  mkdirSync(HISTORY_DIR, { recursive: true });
  const kept = keptEntries().filter((k) => !files.has(k.file));
  const manifest: Manifest = { recordedBy: 'npm run record-histories', fixtures: [...entries, ...kept] };
  const keep = new Set([...files.keys(), ...kept.map((k) => k.file)]);
  for (const stale of readdirSync(HISTORY_DIR).filter((f) => f.endsWith('.json') && !keep.has(f))) {
    rmSync(`${HISTORY_DIR}${stale}`);
  }
  for (const [file, text] of files) writeFileSync(`${HISTORY_DIR}${file}`, text);
  writeFileSync(`${HISTORY_DIR}${MANIFEST_FILE}`, `${JSON.stringify(manifest, null, 2)}\n`);
  const total = [...files.values()].reduce((sum, text) => sum + Buffer.byteLength(text), 0);
  console.log(`${files.size} histories recorded, ${kib(total)}; ${kept.length} kept from before`);
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
