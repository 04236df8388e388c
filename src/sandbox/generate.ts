/**
 * `sandbox reset --size <clusters>x<service accounts>`: a fleet shaped like a platform
 * team's, generated from a seed (same seed, same fleet, to the pod uid).
 *
 * - Clusters `prod-NN`, `staging-NN`, `dev-NN` (half, a third, the rest), EKS 1.31 on six
 *   EC2 Linux nodes with the Pod Identity Agent add-on, except: the second runs namespace
 *   `batch` on Fargate, the third has Windows nodes for namespace `dotnet`, the fourth (of
 *   five or more) is Auto Mode, and the last has no agent and lost its IAM OIDC provider.
 * - Each cluster has exactly the given number of service accounts, drawn from an app
 *   catalogue so that an app runs in about three clusters: on IRSA, Pod Identity, both
 *   (mid-migration) or neither (static keys, or no AWS access), mostly the same in every
 *   cluster it runs in. Its role is its own, its namespace's (shared), or, in `platform`,
 *   one god role; trust that would outgrow IAM's 2,048 characters moved to Pod Identity.
 * - Deployments, StatefulSets, DaemonSets, CronJobs, Jobs, Argo Rollouts and bare pods.
 * - Every IRSA drift case the scan knows (generate-drift.ts), the seed's incident first.
 */
import type { FleetState } from './state.js';
import { addDriftCases, DRIFT_NAMESPACES, DRIFT_SLOTS } from './generate-drift.js';
import type { Controller, Placement } from './generate-place.js';
import { placeServiceAccount } from './generate-place.js';
import { buildRoles, RoleBook, type Identity, type Use } from './generate-roles.js';
import { emptyFleet, putAddon, putCluster, putDaemonSetStatus, putFargateProfile, putNode } from './fixtures.js';
import type { Random } from './random.js';
import { random } from './random.js';
import { AGENT_ADDON, SEED_ACCOUNT, SEED_REGION } from './seed.js';

export interface FleetSize {
  clusters: number;
  /** In each cluster. */
  serviceAccounts: number;
}

export const SIZE_LIMITS = { clusters: { min: 3, max: 50 }, serviceAccounts: { min: 20, max: 10_000 } };

/** `10x2000` → 10 clusters of 2,000 service accounts; a one-line reason when it is not one. */
export function parseFleetSize(text: string): FleetSize | { error: string } {
  const match = /^(\d+)x(\d+)$/i.exec(text.trim());
  const usage = `--size takes <clusters>x<service accounts per cluster>, e.g. 10x2000 (got "${text}")`;
  if (!match) return { error: usage };
  const size = { clusters: Number(match[1]), serviceAccounts: Number(match[2]) };
  const { clusters, serviceAccounts } = SIZE_LIMITS;
  if (size.clusters < clusters.min || size.clusters > clusters.max) {
    return {
      error: `--size: ${clusters.min} to ${clusters.max} clusters (the seed's incident spans three), got ${size.clusters}`,
    };
  }
  if (size.serviceAccounts < serviceAccounts.min || size.serviceAccounts > serviceAccounts.max) {
    return {
      error: `--size: ${serviceAccounts.min} to ${serviceAccounts.max} service accounts per cluster (the drift cases take some), got ${size.serviceAccounts}`,
    };
  }
  return size;
}

interface ClusterPlan {
  name: string;
  /** 1-based: the second octet of its node addresses. */
  index: number;
  fargate: boolean;
  windows: boolean;
  agent: 'add-on' | 'auto-mode' | 'none';
  oidcProviderMissing: boolean;
}

function planClusters(count: number): ClusterPlan[] {
  const prod = Math.ceil(count / 2);
  const rest = count - prod;
  const staging = rest - (rest >= 2 ? Math.max(1, Math.floor(rest * 0.4)) : 0);
  return Array.from({ length: count }, (_, i) => {
    const [env, n] = i < prod ? ['prod', i] : i < prod + staging ? ['staging', i - prod] : ['dev', i - prod - staging];
    const last = i === count - 1;
    return {
      name: `${env}-${String(n + 1).padStart(2, '0')}`,
      index: i + 1,
      fargate: i === 1,
      windows: i === 2,
      agent: last ? 'none' : i === 3 && count >= 5 ? 'auto-mode' : 'add-on',
      oidcProviderMissing: last,
    };
  });
}

function addCluster(state: FleetState, plan: ClusterPlan): void {
  const index = plan.index;
  putCluster(state, {
    name: plan.name,
    autoMode: plan.agent === 'auto-mode',
    oidcProviderMissing: plan.oidcProviderMissing,
  });
  for (let i = 0; i < 6; i += 1) {
    putNode(state, plan.name, {
      name: `ip-10-${index}-${i + 1}-10.ec2.internal`,
      labels: {
        'node.kubernetes.io/instance-type': i < 4 ? 'm6i.xlarge' : 'c6i.2xlarge',
        'topology.kubernetes.io/zone': `${SEED_REGION}${'abc'.charAt(i % 3)}`,
        'eks.amazonaws.com/nodegroup': i < 4 ? 'general' : 'compute',
      },
    });
  }
  if (plan.windows) {
    for (let i = 0; i < 2; i += 1) {
      putNode(state, plan.name, {
        name: `ip-10-${index}-20${i}-10.ec2.internal`,
        labels: { 'kubernetes.io/os': 'windows', 'node.kubernetes.io/windows-build': '10.0.20348' },
      });
    }
  }
  if (plan.fargate) {
    for (let i = 0; i < 2; i += 1) {
      putNode(state, plan.name, {
        name: `fargate-ip-10-${index}-9${i}-10.ec2.internal`,
        labels: { 'eks.amazonaws.com/compute-type': 'fargate', 'topology.kubernetes.io/zone': `${SEED_REGION}a` },
      });
    }
    putFargateProfile(state, plan.name, { name: 'fp-batch', selectors: [{ namespace: 'batch' }] });
  }
  if (plan.agent === 'add-on') {
    putAddon(state, plan.name, { name: AGENT_ADDON });
    putDaemonSetStatus(state, plan.name, {
      namespace: 'kube-system',
      name: AGENT_ADDON,
      desiredNumberScheduled: 6,
      numberReady: 6,
    });
  }
}

const NAMESPACES = [
  ...['accounts', 'analytics', 'batch', 'billing', 'catalog', 'dotnet', 'fraud', 'identity', 'inventory'],
  ...['ledger', 'logistics', 'marketing', 'ml', 'notifications', 'orders', 'payments', 'platform', 'pricing'],
  ...['recommendations', 'reporting', 'search', 'shipping', 'support'],
].filter((ns) => !DRIFT_NAMESPACES.includes(ns));
const FIRST = ['audit', 'bid', 'cache', 'card', 'cart', 'coupon', 'email', 'event', 'feed', 'fx', 'image', 'label'];
const SECOND = ['api', 'consumer', 'cron', 'engine', 'exporter', 'gateway', 'importer', 'processor', 'reader'];
const MORE_FIRST = ['metric', 'model', 'profile', 'quote', 'rate', 'report', 'review', 'risk', 'route', 'session'];
const MORE_SECOND = ['relay', 'scheduler', 'service', 'sync', 'watcher', 'worker', 'writer'];

export interface App {
  index: number;
  namespace: string;
  name: string;
  controller: Controller;
  replicas: number;
  awsCli: boolean;
  identity: Identity;
  role: 'own' | 'shared' | 'god';
  /** Sets HTTPS_PROXY without NO_PROXY: preflight blocks it until fixed. */
  proxy: boolean;
}

function planApp(seed: number, index: number, taken: Set<string>): App {
  const r = random(seed, 'app', index);
  const namespace = r.pick(NAMESPACES);
  const base = `${r.pick([...FIRST, ...MORE_FIRST])}-${r.pick([...SECOND, ...MORE_SECOND])}`;
  let name = base;
  for (let n = 2; taken.has(`${namespace}/${name}`); n += 1) name = `${base}-${n}`;
  taken.add(`${namespace}/${name}`);
  const controller = r.weighted<Controller>({
    Deployment: 66,
    StatefulSet: 12,
    DaemonSet: 3,
    CronJob: 6,
    Job: 3,
    Rollout: 6,
    bare: 4,
  });
  return {
    index,
    namespace,
    name,
    controller,
    replicas: r.pick([1, 1, 2, 2, 2, 3, 3, 5]),
    awsCli: r.chance(0.3),
    // Pod Identity stays well under EKS's 1,000 associations per cluster, so migrations have room.
    identity: r.weighted<Identity>({ irsa: 62, 'pod-identity': 10, both: 6, 'static-keys': 3, none: 19 }),
    role: namespace === 'platform' ? 'god' : r.chance(0.2) ? 'shared' : 'own',
    proxy: r.chance(0.01),
  };
}

const podIdentityPossible = (app: App, plan: ClusterPlan) =>
  plan.agent !== 'none' &&
  !(plan.fargate && app.namespace === 'batch') &&
  !(plan.windows && app.namespace === 'dotnet');

/** Mid-migration: the clusters an app runs in are rarely all at the same step. Where Pod Identity cannot work, IRSA. */
function identityIn(app: App, plan: ClusterPlan, r: Random): Identity {
  let identity = app.identity;
  if (r.chance(0.15)) {
    if (identity === 'irsa') identity = 'both';
    else if (identity === 'pod-identity' || identity === 'both') identity = 'irsa';
  }
  if (!podIdentityPossible(app, plan) && (identity === 'pod-identity' || identity === 'both')) identity = 'irsa';
  return identity;
}

export function generateFleet(size: FleetSize, seed = 1): FleetState {
  const state = emptyFleet(SEED_ACCOUNT, SEED_REGION);
  const plans = planClusters(size.clusters);
  for (const plan of plans) addCluster(state, plan);

  // Cluster c runs a window of the catalogue; neighbouring windows overlap, so an app runs in about three.
  const slots = plans.map((_, i) => size.serviceAccounts - (DRIFT_SLOTS[i] ?? 0));
  const catalogue = Math.max(...slots, Math.round((size.serviceAccounts * size.clusters) / 3));
  const taken = new Set<string>();
  const apps = Array.from({ length: catalogue }, (_, i) => planApp(seed, i, taken));
  const step = Math.floor(catalogue / size.clusters);
  const uses: (Use & { plan: ClusterPlan; app: App })[] = plans.flatMap((plan, c) =>
    Array.from({ length: slots[c] ?? 0 }, (_, k) => {
      const app = apps[(c * step + k) % catalogue] as App;
      return {
        cluster: plan.name,
        plan,
        app,
        identity: identityIn(app, plan, random(seed, 'placement', app.index, c)),
        podIdentityPossible: podIdentityPossible(app, plan),
      };
    }),
  );
  const book = new RoleBook(state);
  const identities = book.allocate(uses);
  uses.forEach((use, i) => {
    const identity = identities[i] ?? use.identity;
    placeServiceAccount(state, use.cluster, placement(state, use.plan, use.app, identity, book.roleArnOf(use.app)));
  });
  buildRoles(state, book, seed);
  const [a, b, c] = plans.map((p) => p.name) as [string, string, string];
  addDriftCases(state, [a, b, c]);
  settleNames(state, seed);
  return state;
}

/** Jobs, Rollouts and bare pods are placed by hand: Fargate for `batch` there, Windows for `dotnet` there. */
function nodeFor(plan: ClusterPlan, app: App): string {
  if (plan.fargate && app.namespace === 'batch') return `fargate-ip-10-${plan.index}-90-10.ec2.internal`;
  if (plan.windows && app.namespace === 'dotnet') return `ip-10-${plan.index}-200-10.ec2.internal`;
  return `ip-10-${plan.index}-${1 + (app.index % 6)}-10.ec2.internal`;
}

function placement(state: FleetState, plan: ClusterPlan, app: App, identity: Identity, roleArn: string): Placement {
  const env: Record<string, string> = {
    LOG_LEVEL: 'info',
    ...(identity === 'static-keys' ? { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' } : {}),
    ...(app.proxy ? { HTTPS_PROXY: 'http://egress-proxy.platform.svc:3128' } : {}),
  };
  const simulated =
    app.controller === 'Deployment' || app.controller === 'StatefulSet' || app.controller === 'DaemonSet';
  return {
    namespace: app.namespace,
    name: app.name,
    ...(identity === 'irsa' || identity === 'both' ? { annotation: roleArn } : {}),
    ...(identity === 'pod-identity' || identity === 'both' ? { association: roleArn } : {}),
    controller: app.controller,
    replicas: app.replicas,
    env,
    awsCli: app.awsCli,
    image: `${state.accountId}.dkr.ecr.${state.region}.amazonaws.com/${app.namespace}/${app.name}:${1 + (app.index % 4)}.${app.index % 10}.0`,
    // A mixed-OS cluster pins every workload to its OS (the sandbox has no taints to keep Linux pods off Windows).
    ...(plan.windows ? { nodeSelector: { 'kubernetes.io/os': app.namespace === 'dotnet' ? 'windows' : 'linux' } } : {}),
    ...(simulated ? {} : { nodeName: nodeFor(plan, app) }),
  };
}

/**
 * Pods the simulation names and ids at random (a ReplicaSet's suffix, a uid) get them from
 * the seed instead, so the same seed gives the same fleet.
 */
function settleNames(state: FleetState, seed: number): void {
  for (const cluster of Object.values(state.clusters)) {
    const r = random(seed, 'pods', cluster.name);
    const names = new Set<string>();
    for (const pod of cluster.pods) {
      pod.uid = r.uuid();
      if (pod.owner !== undefined && pod.owner.kind !== 'StatefulSet') {
        const stem = pod.name.slice(0, -5);
        do pod.name = `${stem}${r.suffix(5)}`;
        while (names.has(`${pod.namespace}/${pod.name}`));
      }
      names.add(`${pod.namespace}/${pod.name}`);
    }
  }
}
