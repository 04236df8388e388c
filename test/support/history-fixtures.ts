import proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root.js';
import { Worker, type ReplayResult, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

type History = proto.temporal.api.history.v1.IHistory;

/**
 * Recorded workflow histories (`npm run record-histories` writes them, `test/workflows/
 * replay.test.ts` replays them): what the workflow code must stay able to replay, because
 * runs like these may be waiting on a durable timer when a new worker version deploys.
 */
export const HISTORY_DIR = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));
export const MANIFEST_FILE = 'manifest.json';

/** The task queue the recorder runs on: a fixed name keeps the fixtures free of random ids. */
export const RECORDING_TASK_QUEUE = 'replay-fixtures';
/** Replaces worker and client identities (`pid@hostname`) in recorded histories. */
export const RECORDING_IDENTITY = 'history-recorder';

/** What a history does not say but its replay needs: the workflow id (the code reads it). */
export interface FixtureEntry {
  file: string;
  workflowId: string;
  workflowType: string;
  /** What the run did, as the recorder asserted it. */
  summary: string;
  /**
   * Set on a history no scenario records (one recorded before a `patched()` change, one
   * exported from a real cluster): why it stays. The recorder keeps these as they are.
   */
  kept?: string;
}

export interface Manifest {
  /** How to refresh the fixtures; the README says when it is right to. */
  recordedBy: string;
  fixtures: FixtureEntry[];
}

export interface Fixture extends FixtureEntry {
  history: History;
}

export function readManifest(): Manifest {
  return JSON.parse(readFileSync(`${HISTORY_DIR}${MANIFEST_FILE}`, 'utf8')) as Manifest;
}

/** The entries the recorder leaves alone (see `FixtureEntry.kept`); none before the first recording. */
export function keptEntries(): FixtureEntry[] {
  return existsSync(`${HISTORY_DIR}${MANIFEST_FILE}`) ? readManifest().fixtures.filter((f) => f.kept) : [];
}

/** The history files on disk (whatever the manifest says). */
export function historyFiles(): string[] {
  return readdirSync(HISTORY_DIR)
    .filter((f) => f.endsWith('.json') && f !== MANIFEST_FILE)
    .sort();
}

export function loadFixtures(): Fixture[] {
  return readManifest().fixtures.map((entry) => ({
    ...entry,
    history: historyFromJson(JSON.parse(readFileSync(`${HISTORY_DIR}${entry.file}`, 'utf8'))),
  }));
}

/**
 * Temporal's JSON history format, read and written with the protobufjs copy that
 * @temporalio/proto's types belong to. The SDK's own `historyToJSON`/`historyFromJSON`
 * (and a JSON history handed to `Worker.runReplayHistory`) use @temporalio/common's copy,
 * which npm installs separately here (the root holds another major version) and which
 * then refuses @temporalio/proto's types: "type must be a Type".
 */
interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}
const protoJson = createRequire(createRequire(import.meta.url).resolve('@temporalio/proto'))(
  'protobufjs/ext/protojson',
) as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
  'temporal.api.history.v1.History',
);

function historyToJson(history: History): unknown {
  return protoJson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history));
}

/** Unknown fields (from a newer server) are ignored, as the SDK does. */
function historyFromJson(json: unknown): History {
  return protoJson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}

/**
 * A history as the fixture stores it: Temporal's JSON history format (what `temporal
 * workflow show --output json` prints), one event per line so a re-recording diffs event
 * by event, without what ties it to the machine that recorded it: identities carry the
 * host name, sticky task queues are named after the worker, and failure stack traces carry
 * source paths. Replay reads none of them.
 */
export function normaliseHistory(history: History): string {
  const { events = [] } = scrub(historyToJson(history)) as { events?: unknown[] };
  return `{"events": [\n${events.map((e) => JSON.stringify(e)).join(',\n')}\n]}\n`;
}

function scrub(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => scrub(v));
  if (value === null || typeof value !== 'object') {
    if (key === 'identity' && typeof value === 'string' && value !== '') return RECORDING_IDENTITY;
    if (key === 'stackTrace' && typeof value === 'string') return '';
    return value;
  }
  const object = value as Record<string, unknown>;
  if (key === 'taskQueue' && object.kind === 'TASK_QUEUE_KIND_STICKY') {
    return { ...object, name: `${RECORDING_TASK_QUEUE}-sticky` };
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, scrub(v, k)]));
}

/**
 * Replays every fixture on one replay worker (it replays one history at a time and
 * answers in order); the error for each fixture file, undefined when it replayed.
 */
export async function replayFixtures(
  fixtures: Fixture[],
  workflowBundle: WorkflowBundleWithSourceMap,
): Promise<Map<string, ReplayResult['error']>> {
  const errors = new Map<string, ReplayResult['error']>();
  const results = Worker.runReplayHistories(
    { workflowBundle },
    fixtures.map((f) => ({ workflowId: f.workflowId, history: f.history })),
  );
  let i = 0;
  for await (const result of results) {
    const fixture = fixtures[i++];
    if (fixture) errors.set(fixture.file, result.error);
  }
  if (errors.size !== fixtures.length) throw new Error(`replayed ${errors.size} of ${fixtures.length} histories`);
  return errors;
}

/** The line a failing replay prints: which fixture, and the error Temporal reported. */
export function describeReplayFailure(fixture: Pick<FixtureEntry, 'file' | 'summary'>, error: Error): string {
  return (
    `test/fixtures/histories/${fixture.file} (${fixture.summary}) no longer replays on this workflow code: ` +
    `${error.name}: ${error.message}`
  );
}
