import assert from 'node:assert/strict';
import { changeRecord } from '../../src/domain/change-record.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Http2Server, type IncomingHttpHeaders } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { runCli } from '../../src/cli/main.js';
import { jsonOutput, renderState } from '../../src/cli/render.js';
import type { MigrationState } from '../../src/domain/migration-state.js';
import { runUrl } from '../../src/domain/run-url.js';
import { queryWorkflowOverGrpc } from '../../src/temporal/grpc-query.js';
import { STATE_QUERY_NAME } from '../../workflows/query-names.js';
import { packagesLoadedBy } from '../support/cli-process.js';
import { ROLE_ARN, startHarness, type Harness } from '../support/migration-harness.js';
import { createDevServerEnv } from '../support/temporal.js';

const SA = { namespace: 'payments', name: 'reconciler' };
const WORKFLOW_ID = 'migrate-identity/payments/reconciler';

async function cli(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, env);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/**
 * A gRPC proxy in front of the dev server that answers only the SDK (grpc-js names itself in
 * `user-agent`) and fails every other call with UNAVAILABLE: the bare query's way down.
 */
async function sdkOnlyProxy(upstream: string): Promise<{ address: string; server: Http2Server; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer();
  server.on('stream', (stream, headers) => {
    const fromSdk = String(headers['user-agent'] ?? '').includes('grpc-node');
    calls.push(`${fromSdk ? 'sdk' : 'bare'} ${String(headers[':path'])}`);
    if (!fromSdk) {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14' }, { endStream: true });
      return;
    }
    const session = connect(`http://${upstream}`);
    const forwarded: IncomingHttpHeaders = { ...headers };
    delete forwarded[':authority'];
    delete forwarded[':scheme'];
    const up = session.request(forwarded);
    up.on('response', (h) => stream.respond(h, { waitForTrailers: true }));
    let trailers: IncomingHttpHeaders = {};
    up.on('trailers', (t: IncomingHttpHeaders) => {
      trailers = t;
    });
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    up.on('data', (chunk: Buffer) => stream.write(chunk));
    up.on('end', () => {
      stream.end();
      session.close();
    });
    stream.on('data', (chunk: Buffer) => up.write(chunk));
    stream.on('end', () => up.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { address: `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, server, calls };
}

/** `status` asks with one bare gRPC query first and answers as the SDK path does, byte for byte. */
describe('status by a bare gRPC query (dev server)', () => {
  let env: TestWorkflowEnvironment;
  let h: Harness;
  let dir: string;
  let vars: Record<string, string>;
  before(async () => {
    env = await createDevServerEnv();
    h = await startHarness(env);
    dir = mkdtempSync(join(tmpdir(), 'mi-status-bare-'));
    vars = { TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: h.taskQueue, MIGRATE_IDENTITY_DATA_DIR: dir };
    const args = ['payments/reconciler', '--role', ROLE_ARN, '--clusters', 'sandbox-a,sandbox-b', '--approvers', 'bob'];
    const started = await cli(['start', ...args, '--as', 'alice'], vars);
    assert.equal(started.code, 0, started.err);
  });
  after(async () => {
    await h?.stop();
    await env?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a running migration: the same state, --json, human and --record, as through the SDK', async () => {
    const request = { namespace: 'default', workflowId: WORKFLOW_ID, queryType: STATE_QUERY_NAME };
    const bare = await queryWorkflowOverGrpc({ address: env.address }, request);
    assert.equal(bare.kind, 'result');
    assert.equal((bare as { value: MigrationState }).value.input.requestedBy, 'alice');
    // The run moves on while we look: compare a CLI answer taken between two equal SDK answers.
    const url = runUrl('http://127.0.0.1:8233', 'default', WORKFLOW_ID);
    const outputs = {
      json: { flags: ['--json'], render: (s: MigrationState) => jsonOutput(s) },
      human: { flags: [], render: (s: MigrationState) => renderState(s, url) },
      record: { flags: ['--record'], render: (s: MigrationState) => changeRecord(s) },
    };
    for (const { flags, render } of Object.values(outputs)) {
      let compared = false;
      for (let attempt = 0; attempt < 20 && !compared; attempt++) {
        const before = await h.service.state(SA);
        const r = await cli(['status', 'payments/reconciler', ...flags], vars);
        if (!isDeepStrictEqual(before, await h.service.state(SA))) continue;
        assert.deepEqual(r, { code: 0, out: render(before), err: '' });
        compared = true;
      }
      assert.ok(compared, 'the state never held still for one status call');
    }
  });

  test('not found: the SDK path message, exit 1', async () => {
    const request = { namespace: 'default', workflowId: 'migrate-identity/payments/nobody', queryType: 'state' };
    assert.deepEqual(await queryWorkflowOverGrpc({ address: env.address }, request), { kind: 'not-found' });
    await assert.rejects(h.service.state({ namespace: 'payments', name: 'nobody' }), {
      message: 'no migration of payments/nobody found',
    });
    const r = await cli(['status', 'payments/nobody', '--json'], vars);
    assert.deepEqual(r, { code: 1, out: '', err: 'migrate-identity: no migration of payments/nobody found' });
  });

  test('the bare query refused: the SDK answers, silently, with the same output', async () => {
    const proxy = await sdkOnlyProxy(env.address);
    try {
      const viaProxy = { ...vars, TEMPORAL_ADDRESS: proxy.address };
      let compared = false;
      for (let attempt = 0; attempt < 20 && !compared; attempt++) {
        const before = await h.service.state(SA);
        const r = await cli(['status', 'payments/reconciler', '--json'], viaProxy);
        if (!isDeepStrictEqual(before, await h.service.state(SA))) continue;
        assert.deepEqual(r, { code: 0, out: jsonOutput(before), err: '' });
        compared = true;
      }
      assert.ok(compared, 'the state never held still for one status call');
      const queries = proxy.calls.filter((c) => c.endsWith('/QueryWorkflow')).slice(0, 2);
      assert.deepEqual(queries, [
        'bare /temporal.api.workflowservice.v1.WorkflowService/QueryWorkflow',
        'sdk /temporal.api.workflowservice.v1.WorkflowService/QueryWorkflow',
      ]);
    } finally {
      proxy.server.close();
    }
  });

  test('status --json loads no @temporalio package', async () => {
    const r = await packagesLoadedBy(['status', 'payments/reconciler', '--json'], vars, dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as MigrationState).input.requestedBy, 'alice');
    assert.deepEqual(
      r.packages.filter((p) => p.startsWith('@temporalio/')),
      [],
    );
  });
});
