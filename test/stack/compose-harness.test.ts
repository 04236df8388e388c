import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  COMPOSE_FILE,
  interpolate,
  readComposeFile,
  REPO_ROOT,
  startOrder,
  type ComposeService,
} from '../support/compose-file.js';
import { HANDLERS, HOST_SETTING, planStack, TEMPORAL_INTERNAL_PORTS, type HostContext } from '../support/stack-plan.js';

/**
 * docker-compose.yml and the production-shaped stack harness (test/support/stack-plan.ts)
 * cannot drift apart: the harness takes services, environment, setup scripts, commands and
 * start order from the compose file, and these tests fail when the compose file gains
 * something the harness does not translate, or pins images other than what it builds.
 */

const VARIABLES = { POSTGRES_PASSWORD: 'pw', TEMPORAL_UI_URL: 'http://127.0.0.1:18233', SLACK_PORT: '13000' };

function context(): HostContext {
  const listeners = Object.entries(HANDLERS).flatMap(([name, h]) => h.listens.map((p) => `${name}:${p}`));
  return {
    repoRoot: REPO_ROOT,
    stackDir: '/tmp/migrate-identity-stack-plan',
    ports: Object.fromEntries(listeners.map((key, i) => [key, 20_000 + i])),
    temporalInternalPorts: Object.fromEntries(TEMPORAL_INTERNAL_PORTS.map((key, i) => [key, 21_000 + i])),
    tools: {
      temporalBinDir: '/cache/temporal-server/bin',
      temporalShareDir: '/cache/temporal-server/share',
      temporalCliDir: '/cache/temporal-venv/bin',
      node: '/cache/node22/bin/node',
    },
    dotEnv: { SLACK_BOT_TOKEN: 'xoxb-plan' },
  };
}

function plan(file = COMPOSE_FILE) {
  const services = readComposeFile(file, VARIABLES);
  return { services, steps: planStack(services, startOrder(services), context()) };
}

/** The version a go.mod requires of a module. */
function required(module: string): string {
  const goMod = readFileSync(join(REPO_ROOT, 'tools', 'temporal-server', 'go.mod'), 'utf8');
  const version = new RegExp(`^\\s*${module.replace(/[./]/g, '\\$&')} (v\\S+)`, 'm').exec(goMod)?.[1];
  assert.ok(version, `tools/temporal-server/go.mod requires ${module}`);
  return version.replace(/^v/, '');
}

const imageOf = (s: ComposeService) => ({ repo: s.image?.split(':')[0], tag: s.image?.split(':')[1] });

describe('docker-compose.yml and the stack harness', () => {
  test('every compose service (all profiles) has a handler, and every handler a service', () => {
    const { services } = plan();
    assert.deepEqual([...services.keys()].sort(), Object.keys(HANDLERS).sort());
    for (const service of services.values()) {
      const handler = HANDLERS[service.name];
      assert.equal(imageOf(service).repo, handler?.image, `${service.name}: the image it stands in for`);
      for (const p of service.ports) {
        assert.ok(handler?.listens.includes(p.target), `${service.name}: container port ${p.target} has a host port`);
      }
    }
  });

  test('the Temporal images compose pins are the versions tools/temporal-server/go.mod builds', () => {
    const { services } = plan();
    const server = required('go.temporal.io/server');
    for (const name of ['temporal', 'temporal-schema', 'temporal-setup']) {
      assert.equal(imageOf(services.get(name)!).tag, server, `${name}: image tag vs go.temporal.io/server`);
    }
    assert.equal(imageOf(services.get('temporal-ui')!).tag, required('github.com/temporalio/ui-server/v2'));
    // Temporal's postgres12 plugin: PostgreSQL 12 or newer, in compose and from Debian alike.
    assert.ok(Number(/^(\d+)/.exec(imageOf(services.get('postgresql')!).tag ?? '')?.[1]) >= 12);
  });

  test('each step keeps the compose environment, with no container host or path left in it', () => {
    const { services, steps } = plan();
    const ctx = context();
    const hostRoots = [ctx.repoRoot, ctx.stackDir, ...Object.values<string>({ ...ctx.tools })];
    for (const step of steps) {
      const service = services.get(step.service)!;
      for (const key of Object.keys(service.environment)) assert.ok(key in step.env, `${step.service}: ${key} kept`);
      for (const [key, value] of Object.entries(step.env)) {
        const address = /^([\w.-]+):\d+$/.exec(value)?.[1];
        assert.ok(!address || !services.has(address), `${step.service}: ${key}=${value} is a compose address`);
        assert.ok(
          !HOST_SETTING.test(key) || !services.has(value),
          `${step.service}: ${key}=${value} is a compose host`,
        );
        if (value.startsWith('/')) {
          assert.ok(
            hostRoots.some((root) => value.startsWith(root)),
            `${step.service}: ${key}=${value} is a container path`,
          );
        }
      }
      for (const arg of [step.command, ...step.args].filter((a) => a.startsWith(ctx.repoRoot))) {
        assert.ok(existsSync(arg), `${step.service}: ${arg} exists`);
      }
    }
  });

  test('the one-shots run compose setup scripts, the database gets its init SQL, in dependency order', () => {
    const { steps } = plan();
    assert.deepEqual(
      steps.map((s) => s.service),
      ['postgresql', 'temporal-schema', 'temporal', 'temporal-setup', 'temporal-ui', 'worker', 'bot'],
    );
    const byName = Object.fromEntries(steps.map((s) => [s.service, s]));
    assert.deepEqual(byName['temporal-schema']?.args, [join(REPO_ROOT, 'deploy/temporal/setup-schema.sh')]);
    assert.deepEqual(byName['temporal-setup']?.args, [join(REPO_ROOT, 'deploy/temporal/setup-namespace.sh')]);
    assert.equal(byName['temporal-setup']?.env.TEMPORAL_ADDRESS, `127.0.0.1:${context().ports['temporal:7233']}`);
    assert.deepEqual(byName.postgresql?.database, {
      user: 'temporal',
      password: 'pw',
      name: 'temporal',
      initScripts: [join(REPO_ROOT, 'deploy/postgres/create-visibility-db.sql')],
    });
    // The worker's state in its named volume; the bot's /data in a scratch dir of its own.
    assert.equal(byName.worker?.env.MIGRATE_IDENTITY_DATA_DIR, '/tmp/migrate-identity-stack-plan/volumes/worker-data');
    assert.equal(byName.bot?.env.MIGRATE_IDENTITY_DATA_DIR, '/tmp/migrate-identity-stack-plan/rootfs/bot/data');
    assert.deepEqual(byName.worker?.healthcheck, [
      '/cache/node22/bin/node',
      '--import',
      'tsx',
      'deploy/healthcheck.ts',
      'worker',
    ]);
    assert.equal(byName.worker?.env.NODE_ENV, 'production', "the image's ENV");
    assert.equal(byName.worker?.env.SLACK_BOT_TOKEN, 'xoxb-plan', 'env_file');
  });

  test('a service added to the compose file fails the plan until the harness runs it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrate-identity-compose-'));
    try {
      const file = join(dir, 'docker-compose.yml');
      writeFileSync(
        file,
        `${readFileSync(COMPOSE_FILE, 'utf8').replace(/^volumes:$/m, '  redis:\n    image: redis:7\n\nvolumes:')}`,
      );
      assert.throws(() => plan(file), /service redis the stack harness does not run/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('compose interpolation', () => {
  test('${VAR}, ${VAR:-default}, ${VAR-default} and $$ as Compose substitutes them', () => {
    const vars = { SET: 'x', EMPTY: '' };
    assert.equal(interpolate('${SET}/${UNSET:-d}/${EMPTY:-d}/${EMPTY-d}/$${SET}', vars), 'x/d/d//${SET}');
    assert.throws(() => interpolate('${UNSET}', vars), /UNSET/);
  });

  test('start order puts dependencies first and refuses a cycle', () => {
    const service = (name: string, dependsOn: string[]): [string, ComposeService] => [
      name,
      { name, environment: {}, envFiles: [], mounts: [], ports: [], dependsOn, profiles: [] },
    ];
    assert.deepEqual(startOrder(new Map([service('b', ['a']), service('a', [])])), ['a', 'b']);
    assert.throws(() => startOrder(new Map([service('a', ['b']), service('b', ['a'])])), /cycle/);
  });
});
