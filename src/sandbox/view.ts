/**
 * The part of the fleet one transaction works on, as the plain `FleetState` the simulation
 * (rollouts, the webhook, exec, the fixtures) is written against. Rows are loaded when an
 * operation asks for them (a cluster, one service account's objects, a role) and written
 * back by `commit` only when they changed, so a call costs what it touches.
 *
 * A collection the transaction never loaded throws when read, rather than looking empty:
 * an operation that reads outside what it loaded fails its tests instead of misbehaving.
 */
import type { CloudTrailState, LedgerPod } from './cloudtrail-traffic.js';
import type { Fault } from './faults.js';
import type { ClusterRecord, Collection, CollectionItem, FleetRecord } from './rows.js';
import {
  CLOUDTRAIL_KEY,
  cloudTrailRecord,
  clusterRecord,
  COLLECTION_KIND,
  COLLECTIONS,
  collectionRow,
  FAULTS_KEY,
  FLEET_KEY,
  fleetRecord,
  indexOf,
  ledgerDue,
  ledgerKey,
  ledgerRow,
  plainRow,
  workloadRowKey,
} from './rows.js';
import type { ClusterState, FleetState, PodState, RoleState } from './state.js';
import type { RowQuery, StoreTx } from './store.js';

type Filter = Omit<RowQuery, 'kind' | 'cluster'>;
type Item = CollectionItem[Collection];

interface Loaded {
  /** Every row of the collection is loaded. */
  all: boolean;
  queries: Set<string>;
  /** By key: the object handed out and the JSON it was read from. */
  originals: Map<string, { item: Item; doc: string }>;
}

interface ClusterEntry {
  /** The stored cluster row; undefined: none was stored. */
  doc: string | undefined;
  collections: Map<Collection, Loaded>;
}

const notLoadedArrays = new WeakSet<object>();

function notLoaded(cluster: string, collection: Collection): never[] {
  const guard = new Proxy([] as never[], {
    get() {
      throw new Error(`sandbox: ${collection} of cluster ${cluster} read before this transaction loaded them`);
    },
  });
  notLoadedArrays.add(guard);
  return guard;
}

function isLoaded(value: unknown): value is Item[] {
  return Array.isArray(value) && !notLoadedArrays.has(value);
}

/**
 * A record whose entries load when read: by key one at a time, all of them when enumerated
 * (`Object.values`), so code written against the plain `FleetState` reads what it asks for.
 */
function lazyRecord<T>(table: Record<string, T>, one: (key: string) => void, all: () => void): Record<string, T> {
  const ensure = (key: string | symbol) => {
    if (typeof key === 'string' && !(key in table)) one(key);
  };
  return new Proxy(table, {
    get(target, key, receiver) {
      ensure(key);
      return Reflect.get(target, key, receiver) as unknown;
    },
    has(target, key) {
      ensure(key);
      return Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      ensure(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    ownKeys(target) {
      all();
      return Reflect.ownKeys(target);
    },
  });
}

export class FleetView {
  readonly state: FleetState;
  private readonly fleetDoc: string;
  private readonly faultsDoc: string;
  private readonly clusters = new Map<string, ClusterEntry>();
  private readonly seqOf = new WeakMap<object, number>();
  private readonly roleDocs = new Map<string, string | undefined>();
  private readonly policyDocs = new Map<string, string | undefined>();
  private readonly clusterTable: Record<string, ClusterState> = {};
  private readonly roleTable: Record<string, RoleState> = {};
  private readonly policyTable: FleetState['managedPolicies'] = {};
  private allClusters = false;
  private allRoles = false;
  private allPolicies = false;
  /** CloudTrail's probes and settings, once read (its `doc` as stored); the ledger loads apart. */
  private cloudTrailLoaded: { state: CloudTrailState; doc: string | undefined } | undefined;
  /** Ledger entries read one at a time, by row key: the entry (null: none, or forgotten) and its row as stored. */
  private readonly ledgerEntries = new Map<string, { entry: LedgerPod | null; doc: string | undefined }>();
  /** The whole ledger, once read: its entries, their rows as stored, and an index by row key. */
  private wholeLedger: { entries: LedgerPod[]; docs: Map<string, string>; byKey: Map<string, LedgerPod> } | undefined;

  constructor(private readonly tx: StoreTx) {
    const fleet = tx.get('fleet', FLEET_KEY);
    if (fleet === undefined) throw new Error('sandbox state has no fleet record');
    const faults = tx.get('faults', FAULTS_KEY);
    this.fleetDoc = fleet.doc;
    this.faultsDoc = faults?.doc ?? '[]';
    this.state = {
      ...(JSON.parse(fleet.doc) as FleetRecord),
      clusters: lazyRecord(
        this.clusterTable,
        (name) => this.cluster(name),
        () => this.allClusterRows(),
      ),
      roles: lazyRecord(
        this.roleTable,
        (name) => this.role(name),
        () => this.allRoleRows(),
      ),
      managedPolicies: lazyRecord(
        this.policyTable,
        (arn) => this.managedPolicy(arn),
        () => this.allPolicyRows(),
      ),
      faults: JSON.parse(this.faultsDoc) as Fault[],
      calls: {},
    };
    // Read by CloudTrail only: its ledger covers every pod that ran, so it loads when asked for.
    Object.defineProperty(this.state, 'cloudTrail', {
      enumerable: true,
      get: () => this.cloudTrail(),
      set: (value: CloudTrailState) => {
        this.cloudTrail();
        (this.cloudTrailLoaded as { state: CloudTrailState }).state = value;
      },
    });
  }

  /** The cluster's own row (nodes, add-ons, Fargate profiles…); its collections load on demand. */
  cluster(name: string): ClusterState | undefined {
    if (this.clusters.has(name) || this.allClusters) return this.clusterTable[name];
    const row = this.tx.get('cluster', name);
    this.clusters.set(name, { doc: row?.doc, collections: new Map() });
    if (row === undefined) return undefined;
    const cluster = JSON.parse(row.doc) as ClusterRecord as ClusterState;
    for (const collection of COLLECTIONS) cluster[collection] = notLoaded(name, collection);
    this.clusterTable[name] = cluster;
    return cluster;
  }

  /** Every cluster's own row. */
  allClusterRows(): ClusterState[] {
    if (!this.allClusters) {
      for (const row of this.tx.find({ kind: 'cluster' })) this.cluster(row.key);
      this.allClusters = true;
    }
    return Object.values(this.clusterTable);
  }

  /** Adds the rows of `collection` matching `filter` (all of them without one) to the cluster's array. */
  load(clusterName: string, collection: Collection, filter: Filter = {}): void {
    const cluster = this.cluster(clusterName);
    if (cluster === undefined) return;
    const entry = this.clusters.get(clusterName) as ClusterEntry;
    let loaded = entry.collections.get(collection);
    if (loaded === undefined) {
      loaded = { all: false, queries: new Set(), originals: new Map() };
      entry.collections.set(collection, loaded);
    }
    const query = JSON.stringify(filter);
    const current = cluster[collection];
    const items: Item[] = isLoaded(current) ? current : [];
    if (!loaded.all && !loaded.queries.has(query)) {
      loaded.queries.add(query);
      if (Object.keys(filter).length === 0) loaded.all = true;
      // What this transaction holds wins over the store: changed, deleted or replaced objects.
      const present = new Set(items.map((item) => indexOf(collection, clusterName, item as never).key));
      for (const row of this.tx.find({ kind: COLLECTION_KIND[collection], cluster: clusterName, ...filter })) {
        if (loaded.originals.has(row.key) || present.has(row.key)) continue;
        const item = JSON.parse(row.doc) as Item;
        loaded.originals.set(row.key, { item, doc: row.doc });
        this.seqOf.set(item, row.seq);
        items.push(item);
      }
      // Insertion order, as an array would have it: objects made in this transaction last.
      const seq = (item: Item) => this.seqOf.get(item) ?? Number.MAX_SAFE_INTEGER;
      items.sort((a, b) => seq(a) - seq(b));
    }
    (cluster as unknown as Record<Collection, Item[]>)[collection] = items;
  }

  /** Rows of the collection in the store, as this transaction last committed them. */
  storedCount(clusterName: string, collection: Collection): number {
    return this.tx.count({ kind: COLLECTION_KIND[collection], cluster: clusterName });
  }

  /** Everything of one service account: the object itself, its workloads, pods and associations. */
  loadSubject(clusterName: string, namespace: string, serviceAccount: string): void {
    const filter = { namespace, subject: serviceAccount };
    for (const collection of ['serviceAccounts', 'workloads', 'pods', 'associations'] as const) {
      this.load(clusterName, collection, filter);
    }
  }

  /** A workload by reference, with everything of its service account. */
  loadWorkload(clusterName: string, ref: { kind: string; namespace: string; name: string }): void {
    this.load(clusterName, 'workloads', { key: workloadRowKey(clusterName, ref) });
    const workload = this.state.clusters[clusterName]?.workloads.find(
      (w) => w.kind === ref.kind && w.namespace === ref.namespace && w.name === ref.name,
    );
    if (workload !== undefined) this.loadSubject(clusterName, workload.namespace, workload.serviceAccount);
  }

  role(name: string): RoleState | undefined {
    if (!this.roleDocs.has(name) && !this.allRoles) {
      const row = this.tx.get('role', name);
      this.roleDocs.set(name, row?.doc);
      if (row !== undefined) this.roleTable[name] = JSON.parse(row.doc) as RoleState;
    }
    return this.roleTable[name];
  }

  /** The role an ARN names: IAM role names are unique in an account, whatever their path. */
  roleByArn(arn: string | undefined): RoleState | undefined {
    if (arn === undefined) return undefined;
    const role = this.role(arn.slice(arn.lastIndexOf('/') + 1));
    return role?.arn === arn ? role : undefined;
  }

  allRoleRows(): RoleState[] {
    if (!this.allRoles) {
      for (const row of this.tx.find({ kind: 'role' })) {
        if (this.roleDocs.has(row.key)) continue;
        this.roleDocs.set(row.key, row.doc);
        this.roleTable[row.key] = JSON.parse(row.doc) as RoleState;
      }
      this.allRoles = true;
    }
    return Object.values(this.roleTable);
  }

  managedPolicy(arn: string): FleetState['managedPolicies'][string] | undefined {
    if (!this.policyDocs.has(arn) && !this.allPolicies) {
      const row = this.tx.get('managedPolicy', arn);
      this.policyDocs.set(arn, row?.doc);
      if (row !== undefined) this.policyTable[arn] = JSON.parse(row.doc) as FleetState['managedPolicies'][string];
    }
    return this.policyTable[arn];
  }

  private allPolicyRows(): void {
    if (this.allPolicies) return;
    for (const row of this.tx.find({ kind: 'managedPolicy' })) {
      if (this.policyDocs.has(row.key)) continue;
      this.policyDocs.set(row.key, row.doc);
      this.policyTable[row.key] = JSON.parse(row.doc) as FleetState['managedPolicies'][string];
    }
    this.allPolicies = true;
  }

  /**
   * CloudTrail's probes and settings; its `ledger` (every pod that ran, in every cluster)
   * loads when read, so a probe or a setting does not read it.
   */
  cloudTrail(): CloudTrailState {
    if (this.cloudTrailLoaded === undefined) {
      const row = this.tx.get('cloudTrail', CLOUDTRAIL_KEY);
      const rest = row === undefined ? undefined : (JSON.parse(row.doc) as Omit<CloudTrailState, 'ledger'>);
      const state = { probes: [], traffic: {}, extraDelayMs: 0, ...rest } as Omit<CloudTrailState, 'ledger'>;
      Object.defineProperty(state, 'ledger', {
        enumerable: true,
        get: () => this.ledger().entries,
        set: (entries: LedgerPod[]) => {
          const ledger = this.ledger();
          ledger.entries = entries;
          ledger.byKey = new Map(entries.map((e) => [ledgerKey(e.cluster, e.uid), e]));
        },
      });
      this.cloudTrailLoaded = { state: state as CloudTrailState, doc: row?.doc };
    }
    return this.cloudTrailLoaded.state;
  }

  /** Every ledger entry, those this transaction read or noted one at a time as it left them. */
  private ledger(): NonNullable<FleetView['wholeLedger']> {
    if (this.wholeLedger === undefined) {
      const entries: LedgerPod[] = [];
      const docs = new Map<string, string>();
      for (const row of this.tx.find({ kind: 'ledger' })) {
        docs.set(row.key, row.doc);
        const held = this.ledgerEntries.get(row.key);
        const entry = held === undefined ? (JSON.parse(row.doc) as LedgerPod) : held.entry;
        if (entry !== null) entries.push(entry);
      }
      // Noted in this transaction, not stored yet.
      for (const [key, held] of this.ledgerEntries) if (!docs.has(key) && held.entry !== null) entries.push(held.entry);
      this.ledgerEntries.clear();
      this.wholeLedger = { entries, docs, byKey: new Map(entries.map((e) => [ledgerKey(e.cluster, e.uid), e])) };
    }
    return this.wholeLedger;
  }

  /** One pod's CloudTrail ledger entry, to change in place: a row read, not the ledger. */
  ledgerEntry(cluster: string, uid: string): LedgerPod | undefined {
    const key = ledgerKey(cluster, uid);
    if (this.wholeLedger !== undefined) return this.wholeLedger.byKey.get(key);
    let held = this.ledgerEntries.get(key);
    if (held === undefined) {
      const row = this.tx.get('ledger', key);
      held = { entry: row === undefined ? null : (JSON.parse(row.doc) as LedgerPod), doc: row?.doc };
      this.ledgerEntries.set(key, held);
    }
    return held.entry ?? undefined;
  }

  /** A pod's first ledger entry (it has none: see `ledgerEntry`). */
  addLedgerEntry(entry: LedgerPod): void {
    const key = ledgerKey(entry.cluster, entry.uid);
    if (this.wholeLedger !== undefined) {
      this.wholeLedger.entries.push(entry);
      this.wholeLedger.byKey.set(key, entry);
      return;
    }
    this.ledgerEntry(entry.cluster, entry.uid);
    (this.ledgerEntries.get(key) as { entry: LedgerPod | null }).entry = entry;
  }

  /** Forgets the cluster's ledger entries past CloudTrail's horizon by `now`: the rows due by then, found by index. */
  forgetLedgerEntries(cluster: string, now: number): void {
    const ended = (e: LedgerPod) => {
      const due = ledgerDue(e.end);
      return e.cluster === cluster && due !== null && due <= now;
    };
    if (this.wholeLedger !== undefined) {
      const ledger = this.wholeLedger;
      if (!ledger.entries.some(ended)) return;
      for (const entry of ledger.entries.filter(ended)) ledger.byKey.delete(ledgerKey(entry.cluster, entry.uid));
      ledger.entries = ledger.entries.filter((e) => !ended(e));
      return;
    }
    for (const row of this.tx.find({ kind: 'ledger', cluster, dueBy: now })) {
      const held = this.ledgerEntries.get(row.key);
      const entry = held === undefined ? (JSON.parse(row.doc) as LedgerPod) : held.entry;
      if (entry !== null && ended(entry)) this.ledgerEntries.set(row.key, { entry: null, doc: row.doc });
    }
  }

  /**
   * The pods this transaction created or changed, and those it removed (as they were when
   * removed), in every cluster whose pods it loaded: what the CloudTrail ledger notes.
   */
  podChanges(): { cluster: string; changed: PodState[]; removed: PodState[] }[] {
    const changes: { cluster: string; changed: PodState[]; removed: PodState[] }[] = [];
    for (const [name, cluster] of Object.entries(this.clusterTable)) {
      const pods: unknown = cluster.pods;
      if (!isLoaded(pods)) continue;
      const originals =
        this.clusters.get(name)?.collections.get('pods')?.originals ?? new Map<string, { item: Item; doc: string }>();
      const keyOf = (pod: Item) => indexOf('pods', name, pod as PodState).key;
      const byKey = new Map(pods.map((pod) => [keyOf(pod), pod]));
      const removed = [...originals].filter(([key, o]) => byKey.get(key) !== o.item).map(([, o]) => o.item);
      const changed = pods.filter((pod) => {
        const original = originals.get(keyOf(pod));
        return original?.item !== pod || original.doc !== JSON.stringify(pod);
      });
      changes.push({ cluster: name, changed: changed as PodState[], removed: removed as PodState[] });
    }
    return changes;
  }

  /** The plain document: every row loaded, no lazy records (what `structuredClone` and observers take). */
  plain(): FleetState {
    const state = this.everything();
    return {
      ...fleetRecord(state),
      clusters: this.clusterTable,
      roles: this.roleTable,
      managedPolicies: this.policyTable,
      faults: state.faults,
      calls: state.calls,
      cloudTrail: this.cloudTrail(),
    };
  }

  /** Port calls per `<scope>:<operation>`, straight from the store. */
  calls(): Record<string, number> {
    return Object.fromEntries(this.tx.find({ kind: 'call' }).map((row) => [row.key, JSON.parse(row.doc) as number]));
  }

  countCall(key: string): void {
    const count = Number(JSON.parse(this.tx.get('call', key)?.doc ?? '0'));
    this.tx.put(plainRow('call', key, count + 1));
  }

  /** The whole fleet, every row loaded: for exports and whole-fleet reads. */
  everything(): FleetState {
    for (const cluster of this.allClusterRows()) {
      for (const collection of COLLECTIONS) this.load(cluster.name, collection);
    }
    this.allRoleRows();
    this.allPolicyRows();
    void this.cloudTrail().ledger;
    this.state.calls = this.calls();
    return this.state;
  }

  /** A plain copy of the whole fleet, as `reset` takes it back. */
  snapshot(): FleetState {
    const state = this.plain();
    const copy: FleetState = structuredClone({ ...state, clusters: {} });
    for (const [name, cluster] of Object.entries(state.clusters)) {
      const { jobs, ...rest } = structuredClone(cluster);
      copy.clusters[name] = jobs !== undefined && jobs.length > 0 ? { ...rest, jobs } : rest;
    }
    return copy;
  }

  /** Writes back what changed, was added or was removed. */
  commit(): void {
    const fleetDoc = JSON.stringify(fleetRecord(this.state));
    if (fleetDoc !== this.fleetDoc) this.tx.put(plainRow('fleet', FLEET_KEY, undefined, fleetDoc));
    const faultsDoc = JSON.stringify(this.state.faults);
    if (faultsDoc !== this.faultsDoc) this.tx.put(plainRow('faults', FAULTS_KEY, undefined, faultsDoc));
    for (const [name, cluster] of Object.entries(this.clusterTable)) this.commitCluster(name, cluster);
    for (const [name, role] of Object.entries(this.roleTable)) {
      const doc = JSON.stringify(role);
      if (doc !== this.roleDocs.get(name)) this.tx.put(plainRow('role', name, undefined, doc));
    }
    for (const [arn, policy] of Object.entries(this.policyTable)) {
      const doc = JSON.stringify(policy);
      if (doc !== this.policyDocs.get(arn)) this.tx.put(plainRow('managedPolicy', arn, undefined, doc));
    }
    this.commitCloudTrail();
  }

  private commitCloudTrail(): void {
    if (this.cloudTrailLoaded !== undefined) {
      const { state, doc } = this.cloudTrailLoaded;
      const rest = JSON.stringify(cloudTrailRecord(state));
      if (rest !== doc) this.tx.put(plainRow('cloudTrail', CLOUDTRAIL_KEY, undefined, rest));
    }
    if (this.wholeLedger !== undefined) {
      const { entries, docs } = this.wholeLedger;
      const kept = new Set<string>();
      for (const entry of entries) {
        const row = ledgerRow(entry);
        kept.add(row.key);
        if (row.doc !== docs.get(row.key)) this.tx.put(row);
      }
      for (const key of docs.keys()) if (!kept.has(key)) this.tx.delete('ledger', key);
      return;
    }
    for (const [key, { entry, doc }] of this.ledgerEntries) {
      if (entry === null) {
        if (doc !== undefined) this.tx.delete('ledger', key);
        continue;
      }
      const row = ledgerRow(entry);
      if (row.doc !== doc) this.tx.put(row);
    }
  }

  private commitCluster(name: string, cluster: ClusterState): void {
    const entry = this.clusters.get(name);
    const doc = JSON.stringify(clusterRecord(cluster));
    if (doc !== entry?.doc) this.tx.put(plainRow('cluster', name, undefined, doc));
    for (const collection of COLLECTIONS) {
      const value: unknown = cluster[collection];
      if (!isLoaded(value)) continue;
      const kind = COLLECTION_KIND[collection];
      const originals = entry?.collections.get(collection)?.originals ?? new Map<string, { item: Item; doc: string }>();
      const byKey = new Map(value.map((item) => [indexOf(collection, name, item as never).key, item]));
      // Removed, or replaced by a new object (filter and push): it goes to the end of the order.
      for (const [key, original] of originals) if (byKey.get(key) !== original.item) this.tx.delete(kind, key);
      for (const item of value) {
        const row = collectionRow(collection, name, item as never);
        const original = originals.get(row.key);
        if (original?.item !== item || original.doc !== row.doc) this.tx.put(row);
      }
    }
  }
}
