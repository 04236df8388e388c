import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mi-sandbox-imports-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** `npm start` on the sandbox fleet: the worker's ports load neither the AWS SDK nor the Kubernetes client. */
test('the sandbox fleet opens its ports without the AWS SDK or the Kubernetes client', () => {
  const traceFile = join(dir, 'trace.txt');
  const script = `
    const { loadConfig } = await import('./src/config/index.ts');
    const { openFleetPorts } = await import('./src/runtime/fleet-ports.ts');
    await import('./src/runtime/local-stack.ts');
    const ports = await openFleetPorts(loadConfig({ MIGRATE_IDENTITY_DATA_DIR: ${JSON.stringify(dir)} }));
    console.log(ports.sandbox ? 'sandbox' : 'aws');`;
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--import', './test/support/package-trace.ts', '--input-type=module', '-e', script],
    { env: { ...process.env, PACKAGE_TRACE_FILE: traceFile }, encoding: 'utf8' },
  );
  assert.equal(out.trim(), 'sandbox');
  const packages = readFileSync(traceFile, 'utf8').split('\n');
  assert.ok(packages.includes('@temporalio/worker'), packages.join(' '));
  assert.deepEqual(
    packages.filter((p) => /^(@aws-sdk\/|@kubernetes\/client-node$)/.test(p)),
    [],
  );
});
