/**
 * The rows of `diagnose` that one cluster's own reads decide: the service account and its
 * pods, the association (and near spellings of it), the agent, the compute type, the
 * consistency window, NO_PROXY. Preflight's checks (`evaluateCluster`) decide most of them.
 */
import { evaluateCluster } from './cluster-checks.js';
import { AGENT_ADDON, AGENT_DAEMONSET, IRSA_ANNOTATION } from './constants.js';
import { isLivePod } from './controllers.js';
import { credentialPath } from './credentials.js';
import type { ClusterDiagnosisFacts, DiagnosisCheck, DiagnosisRow } from './diagnosis.js';
import { shellQuote } from './drift-fixes.js';
import type { PodIdentityAssociation } from './eks.js';
import type { Finding, ServiceAccountRef } from './types.js';
import { isVerificationPod } from './verification-pod.js';

const saName = (sa: ServiceAccountRef) => `${sa.namespace}/${sa.name}`;
const kubectl = (f: ClusterDiagnosisFacts, rest: string) =>
  `kubectl --context ${shellQuote(f.kubeContext)} --namespace ${shellQuote(f.namespace)} ${rest}`;

/** Nothing of the service account here: no account, no pod, no association. */
function notDeployed(f: ClusterDiagnosisFacts): boolean {
  return !f.facts.serviceAccount && f.facts.pods.length === 0 && ownAssociations(f).length === 0;
}
const aws = (f: ClusterDiagnosisFacts, rest: string) =>
  `aws ${rest} --cluster-name ${shellQuote(f.eksClusterName)}${f.region ? ` --region ${shellQuote(f.region)}` : ''}`;

/** Levenshtein distance, for names that differ by a typo. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Own associations (never an add-on's), and the role the service account is expected to use. */
export function ownAssociations(f: ClusterDiagnosisFacts): PodIdentityAssociation[] {
  return f.facts.existingAssociations.filter((a) => a.ownerArn === undefined);
}

function findingRow(
  cluster: string,
  check: DiagnosisCheck,
  findings: Finding[],
  codes: string[],
  pass: string,
  next: string,
): DiagnosisRow {
  const hits = findings.filter((x) => codes.includes(x.code));
  const worst = hits.find((x) => x.severity === 'blocking') ?? hits.find((x) => x.severity === 'warning');
  if (!worst) return { cluster, check, status: 'pass', reason: pass };
  const strip = (m: string) => m.replace(new RegExp(`^cluster ${cluster}: `), '');
  return {
    cluster,
    check,
    status: worst.severity === 'blocking' ? 'fail' : 'warn',
    reason: hits.map((x) => strip(x.message)).join('; '),
    next,
  };
}

function serviceAccountRow(f: ClusterDiagnosisFacts, sa: ServiceAccountRef): DiagnosisRow {
  const { cluster, facts } = f;
  if (notDeployed(f)) {
    return {
      cluster,
      check: 'service-account',
      status: 'skip',
      reason: `not deployed here: no service account ${saName(sa)}, no pod, no association`,
    };
  }
  if (!facts.serviceAccount) {
    return {
      cluster,
      check: 'service-account',
      status: 'fail',
      reason: `service account ${saName(sa)} does not exist, but ${facts.pods.length} pod(s) or an association name it`,
      next: kubectl(f, 'get serviceaccounts'),
    };
  }
  const live = facts.pods.filter((p) => isLivePod(p) && !isVerificationPod(p));
  const workloads = facts.workloads.map((w) => `${w.ref.kind.toLowerCase()}/${w.ref.name}`);
  if (live.length === 0) {
    return {
      cluster,
      check: 'service-account',
      status: 'warn',
      reason: `no running pod uses ${saName(sa)}${workloads.length ? ` (workloads naming it: ${workloads.join(', ')})` : ''}: is the workload's serviceAccountName another one?`,
      next: kubectl(f, 'get pods -o custom-columns=POD:.metadata.name,SERVICE_ACCOUNT:.spec.serviceAccountName'),
    };
  }
  return {
    cluster,
    check: 'service-account',
    status: 'pass',
    reason: `${live.length} running pod(s) use ${saName(sa)}${workloads.length ? ` (${workloads.join(', ')})` : ''}`,
  };
}

function associationRow(f: ClusterDiagnosisFacts, sa: ServiceAccountRef): DiagnosisRow {
  const { cluster, facts } = f;
  const own = ownAssociations(f);
  const annotation = facts.serviceAccount?.annotations[IRSA_ANNOTATION];
  const list = aws(f, `eks list-pod-identity-associations --namespace ${shellQuote(sa.namespace)}`);
  if (own.length > 0) {
    const wrong = facts.roleArn ? own.filter((a) => a.roleArn !== facts.roleArn) : [];
    const described = own.map((a) => `${a.associationId} → ${a.roleArn}`).join(', ');
    return wrong.length > 0
      ? {
          cluster,
          check: 'association',
          status: 'fail',
          reason: `association ${described}, not the expected role ${facts.roleArn}`,
          next: list,
        }
      : { cluster, check: 'association', status: 'pass', reason: `association ${described}` };
  }
  const near = f.associations.filter(
    (a) =>
      a.ownerArn === undefined &&
      !(a.namespace === sa.namespace && a.serviceAccount === sa.name) &&
      (a.serviceAccount === sa.name ||
        (a.namespace === sa.namespace && editDistance(a.serviceAccount.toLowerCase(), sa.name.toLowerCase()) <= 2) ||
        (a.serviceAccount.toLowerCase() === sa.name.toLowerCase() &&
          editDistance(a.namespace.toLowerCase(), sa.namespace.toLowerCase()) <= 2)),
  );
  if (near.length > 0) {
    return {
      cluster,
      check: 'association',
      status: 'fail',
      reason: `no association for ${saName(sa)}, but ${near.map((a) => `${a.namespace}/${a.serviceAccount} (${a.associationId} → ${a.roleArn})`).join(', ')}: the namespace or service account is spelt differently`,
      next: aws(f, 'eks list-pod-identity-associations'),
    };
  }
  if (annotation !== undefined) {
    return {
      cluster,
      check: 'association',
      status: 'skip',
      reason: `no association: ${saName(sa)} is on IRSA here (${annotation})`,
    };
  }
  if (notDeployed(f)) return { cluster, check: 'association', status: 'skip', reason: 'not deployed here' };
  return {
    cluster,
    check: 'association',
    status: 'fail',
    reason: `no association and no ${IRSA_ANNOTATION} annotation: pods of ${saName(sa)} get no AWS credentials`,
    next: list,
  };
}

function timingRow(f: ClusterDiagnosisFacts, now: number, windowSeconds: number): DiagnosisRow {
  const { cluster, facts } = f;
  const own = ownAssociations(f);
  if (own.length === 0) {
    return { cluster, check: 'association-timing', status: 'skip', reason: 'no association to propagate' };
  }
  const changes = own.flatMap((a) => {
    const t = f.associationTimes[a.associationId];
    const at = Date.parse(t?.modifiedAt ?? t?.createdAt ?? '');
    return Number.isNaN(at) ? [] : [{ id: a.associationId, at }];
  });
  const latest = changes.sort((a, b) => b.at - a.at)[0];
  const live = facts.pods.filter((p) => isLivePod(p) && !isVerificationPod(p));
  const stale = live.filter((p) => p.containers.some((c) => credentialPath(c.env) !== 'pod-identity'));
  const restart = [
    ...new Set(stale.map((p) => (p.owner ? `${p.owner.kind.toLowerCase()}/${p.owner.name}` : `pod/${p.name}`))),
  ];
  if (latest && now - latest.at < windowSeconds * 1000) {
    const ago = Math.max(0, Math.round((now - latest.at) / 1000));
    return {
      cluster,
      check: 'association-timing',
      status: 'warn',
      reason: `association ${latest.id} changed ${ago}s ago, inside the ${windowSeconds}s consistency window: pods created now may not see it yet`,
      next: restart.length
        ? kubectl(f, `rollout restart ${restart.join(' ')}`)
        : aws(f, `eks describe-pod-identity-association --association-id ${latest.id}`),
    };
  }
  if (stale.length > 0) {
    return {
      cluster,
      check: 'association-timing',
      status: 'fail',
      reason: `${stale.length} running pod(s) hold no Pod Identity credentials: created before the association was visible (the webhook injects only at creation)`,
      next: kubectl(f, `rollout restart ${restart.join(' ')}`),
    };
  }
  const when = latest ? `, last changed ${new Date(latest.at).toISOString()}` : '';
  return {
    cluster,
    check: 'association-timing',
    status: 'pass',
    reason: `every running pod was created after the association was visible${when}`,
  };
}

/** The rows one cluster's own reads decide. */
export function clusterRows(
  f: ClusterDiagnosisFacts,
  sa: ServiceAccountRef,
  options: { now: string; consistencyWindowSeconds: number },
): DiagnosisRow[] {
  const { cluster } = f;
  const findings = [...f.readFindings, ...evaluateCluster(f.facts)];
  const agentName = `${AGENT_DAEMONSET.namespace}/${AGENT_DAEMONSET.name}`;
  return [
    serviceAccountRow(f, sa),
    associationRow(f, sa),
    findingRow(
      cluster,
      'agent',
      findings,
      ['agent-unhealthy'],
      f.facts.info?.autoMode
        ? 'EKS Auto Mode: the agent is built in'
        : `add-on ${AGENT_ADDON} ACTIVE, DaemonSet ${agentName} ready`,
      `${aws(f, `eks describe-addon --addon-name ${AGENT_ADDON}`)} ; kubectl --context ${shellQuote(f.kubeContext)} --namespace kube-system get daemonset ${AGENT_DAEMONSET.name}`,
    ),
    findingRow(
      cluster,
      'compute-type',
      findings,
      [
        'cluster-not-found',
        'cluster-not-active',
        'platform-version',
        'fargate-pod',
        'fargate-profile-selects',
        'windows-pod',
        'hybrid-node-pod',
      ],
      `pods on EC2 Linux nodes; platform ${f.facts.info?.version ?? '?'} ${f.facts.info?.platformVersion ?? ''}`.trim(),
      `${kubectl(f, 'get pods -o wide')} ; ${aws(f, 'eks list-fargate-profiles')}`,
    ),
    timingRow(f, Date.parse(options.now), options.consistencyWindowSeconds),
    findingRow(
      cluster,
      'no-proxy',
      findings,
      ['proxy-no-proxy'],
      'no container sets a proxy without NO_PROXY for the agent',
      kubectl(f, `get pods -o jsonpath='{range .items[*].spec.containers[*]}{.name}{"\\t"}{.env}{"\\n"}{end}'`),
    ),
  ];
}
