import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOnce, spawnService, waitUntil, type ServiceProcess } from './stack-processes.js';

/**
 * A throwaway PostgreSQL server from the machine's Debian package (scripts/provision-postgres.sh
 * installs it when missing), on 127.0.0.1, its data directory in a temp dir. Initialised the
 * way the `postgres` image's entrypoint does it: a superuser named POSTGRES_USER with
 * POSTGRES_PASSWORD, the database POSTGRES_DB, then the /docker-entrypoint-initdb.d SQL files.
 */

/** The bin directory of the newest PostgreSQL installed (POSTGRES_BIN_DIR overrides). */
export function postgresBinDir(): string {
  if (process.env.POSTGRES_BIN_DIR) return process.env.POSTGRES_BIN_DIR;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0]) {
    throw new Error(`no PostgreSQL server in ${root}/*/bin: run scripts/provision-postgres.sh (Debian's postgresql)`);
  }
  return join(root, versions[0], 'bin');
}

/**
 * PostgreSQL refuses to run as root. As root, run it as the `postgres` account the Debian
 * package creates (setpriv execs, so the child pid is the server's own).
 */
function unprivileged(): { prefix: string[]; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error(
      "PostgreSQL does not run as root and there is no `postgres` user to run it as: install Debian's postgresql (scripts/provision-postgres.sh) or run the tests as an unprivileged user",
    );
  }
  return {
    prefix: ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--'],
    uid: Number(uid.stdout),
    gid: Number(gid.stdout),
  };
}

export interface PostgresServer {
  readonly port: number;
  readonly dir: string;
  readonly process: ServiceProcess;
  /** psql as the superuser, on `database`, stopping at the first error. */
  psql(database: string, args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export async function startPostgres(options: {
  user: string;
  password: string;
  database: string;
  port: number;
  /** SQL files run in order on `database` after it is created (docker-entrypoint-initdb.d). */
  initScripts: string[];
  logFile: string;
}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const runAs = unprivileged();
  const dir = mkdtempSync(join(tmpdir(), 'migrate-identity-pg-'));
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${options.password}\n`, { mode: 0o600 });
  if (runAs) {
    chownSync(dir, runAs.uid, runAs.gid);
    chownSync(pwfile, runAs.uid, runAs.gid);
  }
  const prefix = runAs?.prefix ?? [];
  const [command = '', ...head] = [...prefix, join(bin, 'initdb')];
  await runOnce('initdb', command, [
    ...head,
    `--pgdata=${data}`,
    `--username=${options.user}`,
    `--pwfile=${pwfile}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  const [postgres = '', ...serverHead] = [...prefix, join(bin, 'postgres')];
  const server = spawnService(
    'postgresql',
    postgres,
    [
      ...serverHead,
      '-D',
      data,
      '-c',
      'listen_addresses=127.0.0.1',
      '-p',
      String(options.port),
      '-c',
      'unix_socket_directories=',
      // The tests kill processes, never the machine: the OS page cache survives every crash they make.
      '-c',
      'fsync=off',
      '-c',
      'full_page_writes=off',
    ],
    { logFile: options.logFile },
  );
  const env = { PGPASSWORD: options.password, PGHOST: '127.0.0.1', PGPORT: String(options.port), PGUSER: options.user };
  const psql = async (database: string, args: string[]) =>
    (await runOnce('psql', join(bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', database, ...args], {
      env,
    })) ?? '';
  const stop = async () => {
    await server.stop('SIGINT'); // fast shutdown
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      async () =>
        (await runOnce('pg_isready', join(bin, 'pg_isready'), ['-d', 'postgres'], { env, allowFailure: true })) !==
        undefined,
      'PostgreSQL to accept connections',
      30_000,
      server,
    );
    await psql('postgres', ['-c', `CREATE DATABASE "${options.database}"`]);
    for (const script of options.initScripts) await psql(options.database, ['-f', script]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port: options.port, dir, process: server, psql, stop };
}
