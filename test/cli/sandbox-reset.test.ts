import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/index.js';
import { openSandbox } from '../../src/runtime/fleet-ports.js';

async function cli(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, env);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('migrate-identity sandbox reset --size', () => {
  let dataDir: string;
  let vars: Record<string, string>;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'mi-sandbox-reset-'));
    vars = { MIGRATE_IDENTITY_DATA_DIR: dataDir };
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('generates the fleet, names its clusters, and writes a fleet file that reaches them', async () => {
    const fleetFile = join(dataDir, 'generated.yaml');
    const reset = await cli(['sandbox', 'reset', '--size', '4x25', '--seed', '7', '--fleet-file', fleetFile], vars);
    assert.equal(reset.code, 0, reset.err);
    assert.match(
      reset.out,
      /^sandbox reset to a generated fleet: 4 clusters of 25 service accounts \(seed 7\): prod-01, prod-02, staging-01, dev-01\n/,
    );
    assert.match(reset.out, new RegExp(`export MIGRATE_IDENTITY_FLEET_FILE=${fleetFile}$`));
    assert.match(readFileSync(fleetFile, 'utf8'), /^mode: sandbox\nclusters:\n {2}- name: prod-01\n/);

    const config = loadConfig({ ...vars, MIGRATE_IDENTITY_FLEET_FILE: fleetFile });
    assert.deepEqual(
      config.fleet.clusters.map((c) => c.name),
      ['prod-01', 'prod-02', 'staging-01', 'dev-01'],
    );
    const sandbox = openSandbox(config);
    for (const cluster of config.fleet.clusters) {
      assert.equal((await sandbox.kubernetes.listServiceAccounts(cluster.name)).length, 25, cluster.name);
    }
    const faulted = await cli(['sandbox', 'fault', 'prod-02', 'annotate', 'error'], {
      ...vars,
      MIGRATE_IDENTITY_FLEET_FILE: fleetFile,
    });
    assert.equal(faulted.code, 0, faulted.err);
  });

  test('without --fleet-file it says the clusters are not the configured ones; a plain reset returns to the seed', async () => {
    const reset = await cli(['sandbox', 'reset', '--size', '3x20'], vars);
    assert.equal(reset.code, 0, reset.err);
    assert.match(
      reset.out,
      /\(seed 1\): prod-01, prod-02, staging-01\n.*not in embedded sandbox fleet: add --fleet-file/,
    );
    assert.equal((await cli(['sandbox', 'reset'], vars)).code, 0);
    assert.match((await cli(['sandbox', 'show'], vars)).out, /^sandbox-a:/);
  });

  test('bad input: one line, exit 2, and the fleet is left as it was', async () => {
    for (const [argv, message] of [
      [['--size', '10'], /^--size takes <clusters>x<service accounts per cluster>, e\.g\. 10x2000 \(got "10"\)$/],
      [['--size', 'axb'], /^--size takes/],
      [['--size', '2x100'], /^--size: 3 to 50 clusters \(the seed's incident spans three\), got 2$/],
      [['--size', '3x5'], /^--size: 20 to 10000 service accounts per cluster .*got 5$/],
      [['--size', '51x100'], /got 51$/],
      [['--size', '3x20', '--seed', '-1'], /^--seed takes a whole number, 0 or more \(got "-1"\)$/],
      [['--size', '3x20', '--seed', 'x'], /^--seed takes/],
      [['--size', '3x20', '--with-drift'], /^--size and --with-drift: choose one/],
      [['--seed', '3'], /^--seed and --fleet-file go with --size$/],
      [['--size'], /^--size needs a value$/],
    ] as const) {
      const result = await cli(['sandbox', 'reset', ...argv], vars);
      assert.equal(result.code, 2, `${argv.join(' ')}: ${result.err}`);
      const lines = result.err.split('\n').filter((l) => l.trim() !== '');
      assert.equal(lines.length, 1, `${argv.join(' ')}: ${result.err}`);
      assert.match(lines[0]?.replace(/^migrate-identity: /, '') ?? '', message, argv.join(' '));
    }
    assert.match((await cli(['sandbox', 'show'], vars)).out, /^sandbox-a:/);
  });
});
