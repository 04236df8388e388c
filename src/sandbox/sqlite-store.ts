/**
 * The sandbox fleet in a SQLite file, a row per object, shared by the worker, the CLI and
 * the bot (separate processes). Each port call is one `BEGIN IMMEDIATE` transaction that
 * reads and writes the rows it touches: a mutation costs the same in a fleet of 5 or 5,000
 * service accounts, and a writer waits for another process's for the length of a
 * transaction (well under a millisecond), not of a whole-fleet rewrite.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as SqliteModule from 'node:sqlite';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { PortError } from '../ports/errors.js';
import { STATE_FORMAT } from './state.js';
import type { ReadRow, RowKind, RowQuery, StateStore, StoredRow, StoreTx } from './store.js';

/** How long a transaction waits for another process's to end before it fails as retryable. */
const WAIT_LIMIT_MS = 30_000;
const SQLITE_MAGIC = 'SQLite format 3\u0000';

type Sqlite = typeof SqliteModule;

let sqlite: Sqlite | undefined;

/**
 * `node:sqlite` prints an ExperimentalWarning when first loaded (Node 22); the CLI's output
 * and the worker's logs should not carry it on every start, so that one warning is dropped.
 */
function loadSqlite(): Sqlite {
  if (sqlite !== undefined) return sqlite;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back as it was, never called unbound
  const original = process.emitWarning;
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/SQLite is an experimental feature/.test(text)) return;
    emitWarning(warning, ...rest);
  };
  try {
    sqlite = process.getBuiltinModule('node:sqlite');
  } finally {
    process.emitWarning = original;
  }
  return sqlite;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS rows (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    cluster TEXT NOT NULL,
    namespace TEXT NOT NULL,
    subject TEXT NOT NULL,
    link TEXT NOT NULL,
    due INTEGER,
    doc TEXT NOT NULL,
    UNIQUE (kind, key)
  );
  CREATE INDEX IF NOT EXISTS rows_subject ON rows (kind, cluster, namespace, subject);
  CREATE INDEX IF NOT EXISTS rows_link ON rows (kind, cluster, link);
  CREATE INDEX IF NOT EXISTS rows_due ON rows (kind, cluster, due) WHERE due IS NOT NULL;
`;

/** SQLITE_BUSY (and its extended codes): another connection holds the lock. */
function isBusy(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = 'errcode' in err ? Number(err.errcode) : NaN;
  return (code & 0xff) === 5 || /database is locked/i.test(err instanceof Error ? err.message : '');
}

/**
 * Runs `attempt` until it gets the write lock. SQLite's own busy_timeout would wait inside
 * the call, blocking the worker's event loop (its heartbeats, its other activities); here
 * the wait is a timer, a millisecond at first, as the holder's transaction is that short.
 */
async function whenFree<T>(file: string, attempt: () => T): Promise<T> {
  const started = Date.now();
  for (let tries = 0; ; tries += 1) {
    try {
      return attempt();
    } catch (err) {
      if (!isBusy(err)) throw err;
      if (Date.now() - started > WAIT_LIMIT_MS) {
        throw new PortError('timeout', `sandbox state is busy: ${file} (another process held it ${WAIT_LIMIT_MS} ms)`, {
          code: 'StateBusy',
        });
      }
      await sleep(tries < 20 ? 1 : Math.min(25, tries));
    }
  }
}

/** What is at `file` when it is not a sandbox store of this format: one line saying what to do. */
function foreignFormat(file: string, found: string): PortError {
  return new PortError(
    'validation',
    `sandbox state ${file} has format ${found}, expected ${String(STATE_FORMAT)} (a SQLite database): run \`migrate-identity sandbox reset\` to start it again from the seed`,
  );
}

/** The format of a file that is not a SQLite database: an old JSON state says its own. */
function fileFormat(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(4096);
    const length = readSync(fd, head, 0, head.length, 0);
    const text = head.subarray(0, length).toString('latin1');
    if (length === 0 || text.startsWith(SQLITE_MAGIC)) return undefined;
    const format = /"format"\s*:\s*([^,}\s]+)/.exec(text)?.[1];
    return format === undefined ? '"not a SQLite database"' : `${format} (JSON)`;
  } finally {
    closeSync(fd);
  }
}

function toRead(row: Record<string, unknown>): ReadRow {
  return {
    seq: Number(row.seq),
    kind: row.kind as RowKind,
    key: String(row.key),
    cluster: String(row.cluster),
    namespace: String(row.namespace),
    subject: String(row.subject),
    link: String(row.link),
    due: row.due === null || row.due === undefined ? null : Number(row.due),
    doc: String(row.doc),
  };
}

const QUERY_FIELDS = ['key', 'cluster', 'namespace', 'subject', 'link'] as const;

class Connection implements StoreTx {
  private readonly statements = new Map<string, StatementSync>();

  constructor(readonly db: DatabaseSync) {}

  statement(sql: string): StatementSync {
    let found = this.statements.get(sql);
    if (found === undefined) this.statements.set(sql, (found = this.db.prepare(sql)));
    return found;
  }

  private where(query: RowQuery): { sql: string; values: (string | number)[] } {
    const clauses = ['kind = ?'];
    const values: (string | number)[] = [query.kind];
    for (const field of QUERY_FIELDS) {
      const value = query[field];
      if (value === undefined) continue;
      clauses.push(`${field} = ?`);
      values.push(value);
    }
    if (query.dueBy !== undefined) {
      clauses.push('due IS NOT NULL AND due <= ?');
      values.push(query.dueBy);
    }
    return { sql: clauses.join(' AND '), values };
  }

  get(kind: RowKind, key: string): ReadRow | undefined {
    const row = this.statement('SELECT * FROM rows WHERE kind = ? AND key = ?').get(kind, key);
    return row === undefined ? undefined : toRead(row);
  }

  find(query: RowQuery): ReadRow[] {
    const { sql, values } = this.where(query);
    return this.statement(`SELECT * FROM rows WHERE ${sql} ORDER BY seq`)
      .all(...values)
      .map(toRead);
  }

  count(query: RowQuery): number {
    const { sql, values } = this.where(query);
    return Number(this.statement(`SELECT count(*) AS n FROM rows WHERE ${sql}`).get(...values)?.n ?? 0);
  }

  put(row: StoredRow): void {
    this.statement(
      `INSERT INTO rows (kind, key, cluster, namespace, subject, link, due, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (kind, key) DO UPDATE SET cluster = excluded.cluster, namespace = excluded.namespace,
         subject = excluded.subject, link = excluded.link, due = excluded.due, doc = excluded.doc`,
    ).run(row.kind, row.key, row.cluster, row.namespace, row.subject, row.link, row.due, row.doc);
  }

  delete(kind: RowKind, key: string): void {
    this.statement('DELETE FROM rows WHERE kind = ? AND key = ?').run(kind, key);
  }

  format(): string | undefined {
    const row = this.statement("SELECT value FROM meta WHERE name = 'format'").get();
    return row === undefined ? undefined : String(row.value);
  }

  fill(rows: StoredRow[]): void {
    this.db.exec('DELETE FROM rows');
    for (const row of rows) this.put(row);
    this.statement("INSERT OR REPLACE INTO meta (name, value) VALUES ('format', ?)").run(String(STATE_FORMAT));
  }

  /** `work` inside BEGIN IMMEDIATE … COMMIT; ROLLBACK when it (or the commit) throws. */
  immediate<T>(work: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }
}

/** Opens `file` for this process: no busy wait inside SQLite (see `whenFree`), WAL. */
function connect(file: string): Connection {
  const { DatabaseSync } = loadSqlite();
  const db = new DatabaseSync(file);
  try {
    db.exec('PRAGMA busy_timeout = 0');
    // WAL: readers never wait for the writer; NORMAL: a commit is not an fsync (a sandbox).
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    return new Connection(db);
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * The fleet in `file`, created from `initial()` on first use. Connections open lazily and
 * stay open for the life of the process. `replaces`: the state file an older version kept
 * (a JSON document); while it is there and `file` is not, it is refused rather than
 * silently forgotten, until a reset removes it.
 */
export function sqliteStore(file: string, initial: () => StoredRow[], replaces?: string): StateStore {
  let connection: Connection | undefined;

  async function open(): Promise<Connection> {
    if (connection !== undefined) return connection;
    if (replaces !== undefined && !existsSync(file) && existsSync(replaces)) {
      throw foreignFormat(replaces, fileFormat(replaces) ?? '"not a JSON state"');
    }
    const found = fileFormat(file);
    if (found !== undefined) throw foreignFormat(file, found);
    mkdirSync(dirname(file), { recursive: true });
    const opened = await whenFree(file, () => connect(file));
    try {
      await whenFree(file, () =>
        opened.immediate(() => {
          opened.db.exec(SCHEMA);
          const format = opened.format();
          if (format === undefined) opened.fill(initial());
          else if (format !== String(STATE_FORMAT)) throw foreignFormat(file, format);
        }),
      );
    } catch (err) {
      opened.db.close();
      throw err;
    }
    connection ??= opened;
    return connection;
  }

  /** A SQLite store of another format: its tables dropped and made again, for a reset. */
  async function reopenForReset(): Promise<Connection> {
    const c = await whenFree(file, () => connect(file));
    await whenFree(file, () =>
      c.immediate(() => {
        c.db.exec('DROP TABLE IF EXISTS rows; DROP TABLE IF EXISTS meta;');
        c.db.exec(SCHEMA);
      }),
    );
    connection = c;
    return c;
  }

  return {
    async transact(work) {
      const c = await open();
      return whenFree(file, () => c.immediate(() => work(c)));
    },
    async replace(rows) {
      // A file of another format (an old JSON state) is what reset is for: start it again.
      if (connection === undefined && fileFormat(file) !== undefined) {
        for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
      }
      if (replaces !== undefined) rmSync(replaces, { force: true });
      let c: Connection;
      try {
        c = await open();
      } catch (err) {
        if (!(err instanceof PortError) || err.kind !== 'validation') throw err;
        c = await reopenForReset();
      }
      await whenFree(file, () => c.immediate(() => c.fill(rows)));
    },
  };
}
