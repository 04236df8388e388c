/**
 * The sandbox's CloudTrail: the events its credential answers would leave. Two sources:
 * - traffic: every pod that ran with credentials calls STS steadily, its SDK (user agent
 *   per workload) through web identity on IRSA, through the Pod Identity Agent on Pod
 *   Identity. It is computed from a ledger of pods and their lifetimes, noted as pods come
 *   and go (`noteCredentialUsers`), so it covers past days too (the SDK audit looks back 24 h);
 * - probes: what `aws sts get-caller-identity` in a pod did (`recordProbe`).
 * Event shapes follow the recorded ones described in src/domain/cloudtrail.ts.
 */
import { createHash } from 'node:crypto';
import {
  ASSUME_ROLE_EVENT,
  EKS_AUTH_SOURCE,
  POD_IDENTITY_EVENT,
  POD_IDENTITY_SERVICE,
  STS_SOURCE,
  WEB_IDENTITY_EVENT,
  type CloudTrailRecord,
} from '../domain/cloudtrail.js';
import { IRSA_ANNOTATION } from '../domain/constants.js';
import { credentialPath, podIdentitySessionName } from '../domain/credentials.js';
import { oidcProviderArn, serviceAccountSubject } from '../domain/trust-policy.js';
import { roleByArn } from './role-chaining.js';
import {
  trustPolicySeenBySts,
  type ClusterState,
  type FleetState,
  type PodState,
  type ServiceAccountState,
} from './state.js';
import { trustAllows } from './trust.js';
import type { FleetView } from './view.js';

/** An SDK refreshes web-identity credentials well before their hour is up; several clients per pod do it apart. */
export const WEB_IDENTITY_EVERY_MS = 15 * 60_000;
/** The agent caches a pod's credentials for hours: its eks-auth calls are rarer (less STS pressure). */
export const POD_IDENTITY_EVERY_MS = 60 * 60_000;
/** LookupEvents reaches back 90 days; older ledger entries and probe events go. */
const HORIZON_MS = 90 * 24 * 3_600_000;
export const LEDGER_HORIZON_MS = HORIZON_MS;
const PROBE_EVENTS_KEPT = 2000;

/** How a workload's pods call AWS, keyed `<namespace>/<workload>` or `<cluster>/<namespace>/<workload>`. */
export interface TrafficProfile {
  userAgent?: string;
  /**
   * The workload also opens web-identity sessions the environment does not show (a config
   * file profile or a hard-coded token path): a hidden IRSA dependency.
   */
  hiddenWebIdentity?: boolean;
  /** No calls at all (an idle workload). */
  idle?: boolean;
}

export interface LedgerPod {
  cluster: string;
  namespace: string;
  pod: string;
  uid: string;
  /** `<namespace>/<name>` of the workload (or controller) the pod belongs to; the pod's own name when bare. */
  workload: string;
  serviceAccount: string;
  start: number;
  /** When it stopped calling: terminating, finished or removed; none while it runs. */
  end?: number;
  /** Containers on web identity, and the role they assume. */
  webIdentityRole?: string;
  /** The association role the pod got its Pod Identity credentials for. */
  podIdentityRole?: string;
  /** The role a hidden web-identity profile would assume (the service account's annotation then). */
  annotationRole?: string;
}

export interface CloudTrailState {
  ledger: LedgerPod[];
  probes: CloudTrailRecord[];
  traffic: Record<string, TrafficProfile>;
  /** A late-delivery fault: events become visible this much later than usual. */
  extraDelayMs: number;
}

/** The sandbox seed's workloads and their SDKs; `payments/ledger` runs a Java SDK too old for Pod Identity. */
export const SEED_TRAFFIC: Record<string, TrafficProfile> = {
  'payments/reconciler': {
    userAgent:
      'Boto3/1.34.131 md/Botocore#1.34.131 ua/2.0 os/linux#5.10.228-219.884.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.4 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.131',
  },
  'payments/reconciler-ledger-writer': {
    userAgent:
      'aws-sdk-java/2.25.70 Linux/5.10.228-219.884.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/21.0.3+9-LTS Java/21.0.3 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy',
  },
  'payments/ledger': {
    userAgent:
      'aws-sdk-java/2.20.1 Linux/5.10.228-219.884.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.8+7-LTS Java/17.0.8 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy',
  },
  'payments/egress-proxy': {
    userAgent:
      'aws-sdk-js/3.621.0 ua/2.0 os/linux#5.10.228-219.884.amzn2.x86_64 lang/js md/nodejs#20.15.1 api/sts#3.621.0',
  },
  'payments/fargate-worker': {
    userAgent: 'aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/sts#1.30.3',
  },
};
const DEFAULT_USER_AGENT =
  'aws-sdk-js/3.600.0 ua/2.0 os/linux#5.10.228-219.884.amzn2.x86_64 lang/js md/nodejs#20.15.1 api/sts#3.600.0';
/** What the Pod Identity Agent's eks-auth calls carry (recorded event). */
const AGENT_USER_AGENT =
  'aws-sdk-go-v2/1.21.2 os/linux lang/go#1.19.13 md/GOOS#linux md/GOARCH#amd64 api/eksauth#1.0.0-zeta.e49712bf27d5';
export const PROBE_USER_AGENT =
  'aws-cli/2.15.38 Python/3.11.8 Linux/5.10.228-219.884.amzn2.x86_64 exe/x86_64.amzn.2 prompt/off command/sts.get-caller-identity';

export function cloudTrailState(state: FleetState): CloudTrailState {
  state.cloudTrail ??= { ledger: [], probes: [], traffic: {}, extraDelayMs: 0 };
  return state.cloudTrail;
}

function profileOf(ct: CloudTrailState, cluster: string, workload: string): TrafficProfile {
  return { ...SEED_TRAFFIC[workload], ...ct.traffic[workload], ...ct.traffic[`${cluster}/${workload}`] };
}

function workloadOf(pod: PodState): string {
  const name = pod.owner?.name ?? pod.controller?.name ?? pod.name;
  return `${pod.namespace}/${name}`;
}

/**
 * Notes in the ledger the pods this transaction created, changed or removed, before it
 * commits: a pod gets its entry when first seen with a ready time (created by a call, or in
 * the document a reset stores, `ledgerOf`), and it ends when first seen terminating (at its
 * `terminatingAt`), finished (then, `now`) or gone (at its `terminatingAt`, else `now`: it
 * was seen in this transaction, so it ran at least until then). A call that changes no pod
 * reads no entry and writes none, whatever the size of the cluster or of the ledger; noting
 * the same changes twice in a transaction (a lookup notes before it reads) changes nothing.
 * An entry rewritten on every call (a `lastSeen`) would cost a write per call, and loading
 * every pod to find those gone, a read of the cluster.
 */
export function noteCredentialUsers(view: FleetView, now: number): void {
  for (const { cluster: name, changed, removed } of view.podChanges()) {
    view.forgetLedgerEntries(name, now);
    for (const pod of removed) {
      const entry = view.ledgerEntry(name, pod.uid);
      if (entry !== undefined && entry.end === undefined) entry.end = pod.terminatingAt ?? now;
    }
    for (const pod of changed) {
      const entry = view.ledgerEntry(name, pod.uid);
      if (entry === undefined) {
        view.load(name, 'serviceAccounts', { namespace: pod.namespace, subject: pod.serviceAccount });
        const sa = view
          .cluster(name)
          ?.serviceAccounts.find((s) => s.namespace === pod.namespace && s.name === pod.serviceAccount);
        const fresh = newEntry(name, pod, sa, now);
        if (fresh !== undefined) view.addLedgerEntry(fresh);
      } else if (entry.end === undefined && stopped(pod)) {
        entry.end = pod.terminatingAt ?? now;
      }
    }
  }
}

/** The ledger of a whole document put in the store (a reset): its own entries, then every pod none notes yet. */
export function ledgerOf(state: FleetState, now: number): LedgerPod[] {
  const ledger = [...(state.cloudTrail?.ledger ?? [])];
  const noted = new Set(ledger.map((e) => `${e.cluster}/${e.uid}`));
  for (const [name, cluster] of Object.entries(state.clusters)) {
    const serviceAccounts = new Map(cluster.serviceAccounts.map((s) => [`${s.namespace}/${s.name}`, s]));
    for (const pod of cluster.pods) {
      if (noted.has(`${name}/${pod.uid}`)) continue;
      const entry = newEntry(name, pod, serviceAccounts.get(`${pod.namespace}/${pod.serviceAccount}`), now);
      if (entry !== undefined) ledger.push(entry);
    }
  }
  return ledger;
}

const stopped = (pod: PodState) => pod.terminatingAt !== undefined || pod.finishedPhase !== undefined;

function newEntry(
  name: string,
  pod: PodState,
  sa: ServiceAccountState | undefined,
  now: number,
): LedgerPod | undefined {
  if (pod.readyAt === null) return undefined;
  const paths = pod.containers.map((c) => ({ path: credentialPath(c.env), roleArn: c.env.AWS_ROLE_ARN }));
  return {
    cluster: name,
    namespace: pod.namespace,
    pod: pod.name,
    uid: pod.uid,
    workload: workloadOf(pod),
    serviceAccount: pod.serviceAccount,
    start: pod.readyAt,
    ...(stopped(pod) && { end: pod.terminatingAt ?? now }),
    ...(paths.find((p) => p.path === 'irsa')?.roleArn !== undefined && {
      webIdentityRole: paths.find((p) => p.path === 'irsa')?.roleArn,
    }),
    ...(paths.some((p) => p.path === 'pod-identity') &&
      pod.podIdentityRoleArn !== undefined && { podIdentityRole: pod.podIdentityRoleArn }),
    ...(sa?.annotations[IRSA_ANNOTATION] !== undefined && { annotationRole: sa.annotations[IRSA_ANNOTATION] }),
  };
}

function eventId(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

interface Caller {
  state: FleetState;
  clusterName: string;
  cluster: ClusterState;
  namespace: string;
  serviceAccount: string;
  pod: string;
  podUid: string;
  at: number;
  seed: string;
}

export function webIdentityEvent(c: Caller, roleArn: string, userAgent: string, errorCode?: string): CloudTrailRecord {
  const issuer = c.cluster.oidcIssuer ?? '';
  const provider = oidcProviderArn(c.state.accountId, issuer);
  const subject = serviceAccountSubject(c.namespace, c.serviceAccount);
  return {
    eventId: eventId(`web/${c.seed}`),
    eventName: WEB_IDENTITY_EVENT,
    eventSource: STS_SOURCE,
    eventTime: new Date(c.at).toISOString(),
    awsRegion: c.state.region,
    userAgent,
    sourceIPAddress: '198.51.100.20',
    ...(errorCode !== undefined && {
      errorCode,
      errorMessage: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    }),
    userIdentity: {
      type: 'WebIdentityUser',
      principalId: `${provider}:sts.amazonaws.com:${subject}`,
      userName: subject,
      identityProvider: provider,
    },
    requestParameters: { roleArn, roleSessionName: `botocore-session-${Math.floor(c.at / 1000)}` },
    resources: [{ type: 'AWS::IAM::Role', name: roleArn }],
  };
}

/** The agent's eks-auth call and, when the role's trust let EKS Auth in, the STS AssumeRole it made. */
export function podIdentityEvents(c: Caller, roleArn: string, errorCode?: string): CloudTrailRecord[] {
  const time = new Date(c.at).toISOString();
  const cluster = c.cluster.name;
  const uuid = eventId(`session/${c.seed}`);
  const session = podIdentitySessionName(cluster, c.pod, uuid);
  const agentCall: CloudTrailRecord = {
    eventId: eventId(`eks-auth/${c.seed}`),
    eventName: POD_IDENTITY_EVENT,
    eventSource: EKS_AUTH_SOURCE,
    eventTime: time,
    awsRegion: c.state.region,
    userAgent: AGENT_USER_AGENT,
    sourceIPAddress: '198.51.100.21',
    userIdentity: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${c.state.accountId}:assumed-role/${c.clusterName}-node-role/i-0sandbox`,
    },
    ...(errorCode !== undefined && {
      errorCode,
      errorMessage: 'Unauthorized Exception! EKS does not have permissions to assume the associated role.',
    }),
    requestParameters: { clusterName: cluster, token: 'HIDDEN_DUE_TO_SECURITY_REASONS' },
    resources: [{ type: 'AWS::EKS::Cluster', name: cluster }],
  };
  if (errorCode !== undefined) return [agentCall];
  return [
    agentCall,
    {
      eventId: eventId(`sts/${c.seed}`),
      eventName: ASSUME_ROLE_EVENT,
      eventSource: STS_SOURCE,
      eventTime: time,
      awsRegion: c.state.region,
      userAgent: POD_IDENTITY_SERVICE,
      sourceIPAddress: POD_IDENTITY_SERVICE,
      userIdentity: { type: 'AWSService', invokedBy: POD_IDENTITY_SERVICE },
      requestParameters: {
        roleArn,
        roleSessionName: session,
        durationSeconds: 21600,
        tags: [
          { key: 'eks-cluster-arn', value: c.cluster.arn },
          { key: 'eks-cluster-name', value: cluster },
          { key: 'kubernetes-namespace', value: c.namespace },
          { key: 'kubernetes-service-account', value: c.serviceAccount },
          { key: 'kubernetes-pod-name', value: c.pod },
          { key: 'kubernetes-pod-uid', value: c.podUid },
        ],
      },
      resources: [{ type: 'AWS::IAM::Role', name: roleArn }],
    },
  ];
}

/** Keeps what a probe did; `record` is built at the probe's time. */
export function recordProbe(state: FleetState, events: CloudTrailRecord[]): void {
  const ct = cloudTrailState(state);
  ct.probes.push(...events);
  const latest = Math.max(...events.map((e) => Date.parse(e.eventTime)));
  ct.probes = ct.probes.filter((e) => Date.parse(e.eventTime) > latest - HORIZON_MS);
  if (ct.probes.length > PROBE_EVENTS_KEPT) ct.probes.splice(0, ct.probes.length - PROBE_EVENTS_KEPT);
}

export function probeCaller(state: FleetState, cluster: ClusterState, pod: PodState, at: number): Caller {
  const clusterName = Object.entries(state.clusters).find(([, c]) => c === cluster)?.[0] ?? cluster.name;
  return {
    state,
    clusterName,
    cluster,
    namespace: pod.namespace,
    serviceAccount: pod.serviceAccount,
    pod: pod.name,
    podUid: pod.uid,
    at,
    seed: `probe/${pod.uid}/${at}/${Math.random()}`,
  };
}

/** Every traffic event with a time in [from, to], newest first. */
export function trafficEvents(state: FleetState, from: number, to: number): CloudTrailRecord[] {
  const ct = cloudTrailState(state);
  const out: CloudTrailRecord[] = [];
  for (const entry of ct.ledger) {
    const cluster = state.clusters[entry.cluster];
    if (cluster === undefined) continue;
    const profile = profileOf(ct, entry.cluster, entry.workload);
    if (profile.idle) continue;
    const end = Math.min(entry.end ?? to, to);
    const caller = (at: number, k: number, kind: string): Caller => ({
      state,
      clusterName: entry.cluster,
      cluster,
      namespace: entry.namespace,
      serviceAccount: entry.serviceAccount,
      pod: entry.pod,
      podUid: entry.uid,
      at,
      seed: `${entry.cluster}/${entry.uid}/${kind}/${k}`,
    });
    const webRole = entry.webIdentityRole ?? (profile.hiddenWebIdentity ? entry.annotationRole : undefined);
    const userAgent = profile.userAgent ?? DEFAULT_USER_AGENT;
    if (webRole !== undefined) {
      for (const [k, at] of ticks(entry.start, end, from, WEB_IDENTITY_EVERY_MS)) {
        out.push(webIdentityEvent(caller(at, k, 'web'), webRole, userAgent));
      }
    }
    if (entry.podIdentityRole !== undefined) {
      // The trust STS saw at each call decides, as for the probe (IAM propagates to STS late,
      // state.ts trustPolicySeenBySts); trusts older than the last update are not kept.
      for (const [k, at] of ticks(entry.start, end, from, POD_IDENTITY_EVERY_MS)) {
        const denied = trustsPodIdentity(state, cluster, entry, at) ? undefined : 'AccessDeniedException';
        out.push(...podIdentityEvents(caller(at, k, 'pod'), entry.podIdentityRole, denied));
      }
    }
  }
  const probes = ct.probes.filter((e) => {
    const t = Date.parse(e.eventTime);
    return t >= from && t <= to;
  });
  return [...out, ...probes].sort((a, b) => b.eventTime.localeCompare(a.eventTime));
}

function trustsPodIdentity(state: FleetState, cluster: ClusterState, entry: LedgerPod, at: number): boolean {
  const role = roleByArn(state, entry.podIdentityRole);
  return (
    role !== undefined &&
    trustAllows(trustPolicySeenBySts(role, at), {
      principalType: 'Service',
      principal: POD_IDENTITY_SERVICE,
      actions: ['sts:AssumeRole', 'sts:TagSession'],
      context: {
        'aws:SourceAccount': state.accountId,
        'aws:SourceArn': cluster.arn,
        'aws:RequestTag/eks-cluster-arn': cluster.arn,
        'aws:RequestTag/eks-cluster-name': cluster.name,
        'aws:RequestTag/kubernetes-namespace': entry.namespace,
        'aws:RequestTag/kubernetes-service-account': entry.serviceAccount,
        'aws:RequestTag/kubernetes-pod-name': entry.pod,
        'aws:RequestTag/kubernetes-pod-uid': entry.uid,
      },
    })
  );
}

/** The k-th call at start + 1 s + k·every, those within [from, end]. */
function* ticks(start: number, end: number, from: number, every: number): Generator<[number, number]> {
  const first = start + 1000;
  let k = Math.max(0, Math.ceil((from - first) / every));
  for (let at = first + k * every; at <= end; k += 1, at = first + k * every) yield [k, at];
}
