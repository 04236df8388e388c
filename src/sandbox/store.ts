/**
 * Where the sandbox fleet lives: a row per object (a cluster, a service account, a pod, a
 * role…) looked up by the few fields the simulation asks by, so a port call reads and
 * writes the handful of rows it touches, not the fleet. `memoryStore` and `sqliteStore`
 * (sqlite-store.ts) pass the same contract tests (test/sandbox/store.test.ts).
 */

export type RowKind =
  | 'fleet'
  | 'faults'
  | 'call'
  | 'cluster'
  | 'serviceAccount'
  | 'workload'
  | 'pod'
  | 'association'
  | 'job'
  | 'role'
  | 'managedPolicy'
  | 'cloudTrail'
  | 'ledger';

export interface StoredRow {
  kind: RowKind;
  /** Unique within its kind. */
  key: string;
  /** The cluster a Kubernetes or EKS object belongs to; '' for fleet-wide rows. */
  cluster: string;
  namespace: string;
  /** The service account the object belongs to (a pod's, a workload's, an association's, its own name). */
  subject: string;
  /** A second lookup: a pod's workload, an association's client request token. */
  link: string;
  /** When the simulation must look at the row again (a pod goes, a rollout moves on); null: never. */
  due: number | null;
  /** The object, as JSON. */
  doc: string;
}

/** A stored row and where it stands in insertion order (kept across updates, renewed by delete + put). */
export interface ReadRow extends StoredRow {
  seq: number;
}

/** Rows of one kind matching every field given; `dueBy`: rows due at or before that time. */
export interface RowQuery {
  kind: RowKind;
  key?: string;
  cluster?: string;
  namespace?: string;
  subject?: string;
  link?: string;
  dueBy?: number;
}

/** What a transaction can do. Synchronous: nothing else runs in this process until it ends. */
export interface StoreTx {
  get(kind: RowKind, key: string): ReadRow | undefined;
  /** In insertion order. */
  find(query: RowQuery): ReadRow[];
  count(query: RowQuery): number;
  /** Inserts, or updates in place (keeping the row's place in insertion order). */
  put(row: StoredRow): void;
  delete(kind: RowKind, key: string): void;
}

export interface StateStore {
  /**
   * Runs `work` as one transaction: when it returns, all its writes land at once; when it
   * throws, none does. Other transactions, in this process or another, never see half of it.
   */
  transact<T>(work: (tx: StoreTx) => T): Promise<T>;
  /** Everything replaced by `rows` (reset); a store of another format is started again. */
  replace(rows: StoredRow[]): Promise<void>;
}

export function matches(row: StoredRow, query: RowQuery): boolean {
  return (
    row.kind === query.kind &&
    (query.key === undefined || row.key === query.key) &&
    (query.cluster === undefined || row.cluster === query.cluster) &&
    (query.namespace === undefined || row.namespace === query.namespace) &&
    (query.subject === undefined || row.subject === query.subject) &&
    (query.link === undefined || row.link === query.link) &&
    (query.dueBy === undefined || (row.due !== null && row.due <= query.dueBy))
  );
}

/**
 * Rows in maps, by kind and cluster. A transaction writes to a journal that is applied
 * when it returns, so a throwing one leaves nothing behind.
 */
export function memoryStore(initial: StoredRow[]): StateStore {
  let seq = 0;
  /** kind → cluster → key → row. */
  let tables = new Map<RowKind, Map<string, Map<string, ReadRow>>>();
  /** kind + key → the cluster the row is shelved under. */
  let shelved = new Map<string, string>();
  const idOf = (kind: RowKind, key: string) => `${kind}\u0000${key}`;

  function shelf(kind: RowKind, cluster: string): Map<string, ReadRow> {
    let byCluster = tables.get(kind);
    if (byCluster === undefined) tables.set(kind, (byCluster = new Map<string, Map<string, ReadRow>>()));
    let rows = byCluster.get(cluster);
    if (rows === undefined) byCluster.set(cluster, (rows = new Map<string, ReadRow>()));
    return rows;
  }

  function stored(kind: RowKind, key: string): ReadRow | undefined {
    const cluster = shelved.get(idOf(kind, key));
    return cluster === undefined ? undefined : shelf(kind, cluster).get(key);
  }

  function remove(kind: RowKind, key: string): void {
    const cluster = shelved.get(idOf(kind, key));
    if (cluster !== undefined) shelf(kind, cluster).delete(key);
    shelved.delete(idOf(kind, key));
  }

  function insert(row: StoredRow, at: number): void {
    shelf(row.kind, row.cluster).set(row.key, { ...row, seq: at });
    shelved.set(idOf(row.kind, row.key), row.cluster);
  }

  function reset(rows: StoredRow[]): void {
    tables = new Map();
    shelved = new Map();
    for (const row of rows) {
      remove(row.kind, row.key);
      insert(row, (seq += 1));
    }
  }
  reset(initial);

  /** What a transaction wrote; `fresh`: inserted (or deleted and put again) rather than updated. */
  interface Pending {
    row: StoredRow | null;
    fresh: boolean;
  }

  function transaction(): StoreTx & { commit(): void } {
    const journal = new Map<string, Pending>();
    const view = (pending: Pending, order: number): ReadRow | undefined => {
      if (pending.row === null) return undefined;
      const before = pending.fresh ? undefined : stored(pending.row.kind, pending.row.key);
      return { ...pending.row, seq: before?.seq ?? Number.MAX_SAFE_INTEGER / 2 + order };
    };
    const tx = {
      get(kind: RowKind, key: string): ReadRow | undefined {
        const pending = journal.get(idOf(kind, key));
        return pending === undefined ? stored(kind, key) : view(pending, 0);
      },
      find(query: RowQuery): ReadRow[] {
        const byCluster = tables.get(query.kind);
        const shelves =
          query.cluster === undefined ? [...(byCluster?.values() ?? [])] : [byCluster?.get(query.cluster)];
        const found = new Map<string, ReadRow>();
        for (const rows of shelves) for (const row of rows?.values() ?? []) found.set(row.key, row);
        let order = 0;
        for (const [id, pending] of journal) {
          order += 1;
          if (!id.startsWith(`${query.kind}\u0000`)) continue;
          const key = id.slice(query.kind.length + 1);
          const row = view(pending, order);
          if (row === undefined) found.delete(key);
          else found.set(key, row);
        }
        return [...found.values()].filter((row) => matches(row, query)).sort((a, b) => a.seq - b.seq);
      },
      count(query: RowQuery): number {
        return tx.find(query).length;
      },
      put(row: StoredRow): void {
        const id = idOf(row.kind, row.key);
        const pending = journal.get(id);
        const fresh =
          pending === undefined ? stored(row.kind, row.key) === undefined : pending.fresh || pending.row === null;
        // A row deleted earlier in this transaction comes back at the end, as in SQLite.
        if (pending?.row === null) journal.delete(id);
        journal.set(id, { row: { ...row }, fresh });
      },
      delete(kind: RowKind, key: string): void {
        const id = idOf(kind, key);
        journal.delete(id);
        journal.set(id, { row: null, fresh: false });
      },
      commit(): void {
        for (const [id, { row, fresh }] of journal) {
          const [kind = 'fleet', key = ''] = id.split('\u0000') as [RowKind, string];
          const before = stored(kind, key);
          if (row === null || fresh || before?.cluster !== row.cluster) remove(kind, key);
          if (row !== null) insert(row, !fresh && before?.cluster === row.cluster ? before.seq : (seq += 1));
        }
      },
    };
    return tx;
  }

  return {
    transact(work) {
      // Synchronous on purpose: no other call can interleave inside one transaction.
      const tx = transaction();
      try {
        const result = work(tx);
        tx.commit();
        return Promise.resolve(result);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
    replace(rows) {
      reset(rows);
      return Promise.resolve();
    },
  };
}
