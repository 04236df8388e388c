/**
 * What a command run in a sandbox pod answers. Only the probes the migrator uses are
 * simulated: `aws sts get-caller-identity` (credentials decided by the env the webhook
 * injected and by the role's trust policy) and `env`/`printenv`. Any other program does
 * not exist in the image: run directly, it cannot start (see `missingExecutableStatus`);
 * run through `sh -c`, the shell answers 127.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ExecNotStarted, ExecOutcome, ExecResult } from '../domain/kubernetes.js';
import { podIdentitySessionName } from '../domain/credentials.js';
import { isFargateNode } from './pods.js';
import { trustPolicySeenBySts, type ClusterState, type ContainerSpec, type PodState, type RoleState } from './state.js';
import type { FleetView } from './view.js';
import { issuerHostPath, oidcProviderArn } from '../domain/trust-policy.js';
import { agentMissing, nodeRoleRefusal } from './agent.js';
import { chainRefusal, roleByArn } from './role-chaining.js';
import { podIdentityRequestContext } from './session-tags.js';
import {
  podIdentityEvents,
  PROBE_USER_AGENT,
  probeCaller,
  recordProbe,
  webIdentityEvent,
} from './cloudtrail-traffic.js';
import { trustAllows } from './trust.js';
import { credentialPath, POD_IDENTITY_URI, visibleAssociation } from './webhook.js';

const AGENT_HOST = '169.254.170.23';

export interface ExecContext {
  /** Roles and the account, read as the command needs them. */
  view: FleetView;
  cluster: ClusterState;
  pod: PodState;
  container: ContainerSpec;
  now: number;
}

const ok = (stdout: string): ExecResult => ({ exitCode: 0, stdout, stderr: '' });
const fail = (exitCode: number, stderr: string): ExecResult => ({ exitCode, stdout: '', stderr });

const isShell = (program: string | undefined) => program !== undefined && /(^|\/)(ba)?sh$/.test(program);

/** Words of the command, looking through `sh -c '…'`. */
function words(command: string[]): string[] {
  const [shell, flag, script] = command;
  const argv = isShell(shell) && flag === '-c' ? [script ?? ''] : command;
  return argv.flatMap((a) => a.split(/\s+/)).filter((w) => w.length > 0);
}

/**
 * Whether the image has the program: a shell and its utilities, and the AWS CLI when the
 * image ships it. Kinder than a distroless image, which has no shell at all: there `sh -c`
 * would not start either. The migrator's probe runs the CLI directly, so it never leans on it.
 */
function installed(container: ContainerSpec, program: string): boolean {
  const name = program.split('/').pop() ?? program;
  return ['sh', 'bash', 'env', 'printenv'].includes(name) || (name === 'aws' && container.awsCli);
}

/**
 * The `Status` a kubelet on containerd sends on the exec status channel when the program
 * does not exist in the container: runc cannot start it, containerd's CRI streaming
 * server wraps that error, and the kubelet's `ServeExec` sends it as `NewInternalError`
 * (kubernetes/kubernetes staging/src/k8s.io/kubelet/pkg/cri/streaming/remotecommand/exec.go;
 * containerd internal/cri/server/streaming.go, container_execsync.go; runc's message from
 * exec.LookPath). The message as `kubectl exec` prints it in nigelpoulton/TheK8sBook#30.
 * `execId` is containerd's: 32 random bytes, hex.
 */
export function missingExecutableStatus(program: string, execId: string) {
  const lookup = program.includes('/')
    ? `exec: "${program}": stat ${program}: no such file or directory`
    : `exec: "${program}": executable file not found in $PATH`;
  const cause = `error executing command in container: failed to exec in container: failed to start exec "${execId}": OCI runtime exec failed: exec failed: unable to start container process: ${lookup}: unknown`;
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${cause}`,
    reason: 'InternalError',
    details: { causes: [{ message: cause }] },
    code: 500,
  };
}

/** What the port answers for that status: the adapter reads it the same way (its contract test holds it). */
function notStarted(program: string): ExecNotStarted {
  return {
    notStarted: 'executable-not-found',
    message: missingExecutableStatus(program, randomBytes(32).toString('hex')).message,
  };
}

export function runCommand(ctx: ExecContext, command: string[]): ExecOutcome {
  const direct = command[0] ?? '';
  if (!installed(ctx.container, direct)) return notStarted(direct);
  const argv = words(command);
  const program = (argv[0] ?? '').split('/').pop() ?? '';
  // Through a shell a missing program is the shell's business: "If a command is not found,
  // the exit status shall be 127" (POSIX Shell Command Language, 2.8.2 Exit Status for
  // Commands); the words are busybox ash's and dash's.
  if (!installed(ctx.container, program)) return fail(127, `sh: ${program}: not found\n`);
  // Exit codes from "Command line return codes in the AWS CLI" (AWS CLI User Guide): 252
  // bad syntax, 253 environment or credentials missing, 254 the service returned an error,
  // 255 any other failure (botocore's CredentialRetrievalError from the container provider).
  if (program === 'aws') {
    return argv.includes('sts') && argv.includes('get-caller-identity')
      ? callerIdentity(ctx)
      : fail(252, 'usage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\n');
  }
  if (program === 'env' || program === 'printenv') {
    const name = argv[1];
    if (name === undefined) {
      const lines = Object.entries(ctx.container.env).map(([k, v]) => `${k}=${v}\n`);
      return ok(lines.join(''));
    }
    const value = ctx.container.env[name];
    return value === undefined ? fail(1, '') : ok(`${value}\n`);
  }
  return fail(127, `sh: ${program}: not found\n`);
}

/** GetCallerIdentity for an assumed role: the role's own account, even across accounts (STS API Reference, GetCallerIdentity). */
function identity(role: RoleState, session: string): ExecResult {
  const account = /^arn:[^:]+:iam::(\d{12}):/.exec(role.arn)?.[1] ?? '';
  const body = {
    UserId: `${role.roleId}:${session}`,
    Account: account,
    Arn: `arn:aws:sts::${account}:assumed-role/${role.name}/${session}`,
  };
  return ok(`${JSON.stringify(body, null, 4)}\n`);
}

function callerIdentity(ctx: ExecContext): ExecResult {
  const env = ctx.container.env;
  switch (credentialPath(env)) {
    case 'none':
      return fail(253, '\nUnable to locate credentials. You can configure credentials by running "aws configure".\n');
    case 'irsa':
      return webIdentity(ctx, env);
    case 'pod-identity':
      return podIdentity(ctx, env);
    case 'static-keys':
      // The CLI prefers keys set in the environment; the sandbox issues none, so they are invalid.
      return fail(
        254,
        '\nAn error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.\n',
      );
  }
}

function webIdentity({ view, cluster, pod, now }: ExecContext, env: Record<string, string>): ExecResult {
  const { state } = view;
  const role = view.roleByArn(env.AWS_ROLE_ARN);
  const issuer = cluster.oidcIssuer;
  // STS trusts the token only through the account's OIDC provider for the cluster's issuer.
  const allowed =
    role !== undefined &&
    issuer !== undefined &&
    cluster.oidcProviderMissing !== true &&
    trustAllows(trustPolicySeenBySts(role, now), {
      principalType: 'Federated',
      principal: oidcProviderArn(state.accountId, issuer),
      actions: ['sts:AssumeRoleWithWebIdentity'],
      context: {
        [`${issuerHostPath(issuer)}:sub`]: `system:serviceaccount:${pod.namespace}:${pod.serviceAccount}`,
        [`${issuerHostPath(issuer)}:aud`]: 'sts.amazonaws.com',
      },
    });
  // CloudTrail records the call, failed or not.
  const call = probeCaller(state, cluster, pod, now);
  recordProbe(state, [
    webIdentityEvent(call, env.AWS_ROLE_ARN ?? '', PROBE_USER_AGENT, allowed ? undefined : 'AccessDenied'),
  ]);
  if (!allowed) {
    return fail(
      254,
      '\nAn error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity\n',
    );
  }
  return identity(role, env.AWS_ROLE_SESSION_NAME ?? `botocore-session-${Math.floor(now / 1000)}`);
}

/** Why the agent at 169.254.170.23 cannot be reached from this pod, if it cannot. */
function agentUnreachable({ cluster, pod }: ExecContext, env: Record<string, string>): string | undefined {
  const node = cluster.nodes.find((n) => n.name === pod.nodeName);
  const proxy = env.HTTP_PROXY ?? env.http_proxy ?? env.HTTPS_PROXY ?? env.https_proxy;
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '').split(',').map((h) => h.trim());
  if (proxy !== undefined && !noProxy.includes(AGENT_HOST)) return `Failed to connect to proxy URL: "${proxy}"`;
  if (
    agentMissing(cluster, node) !== undefined ||
    (node !== undefined && (isFargateNode(node) || node.labels['kubernetes.io/os'] === 'windows'))
  ) {
    return `Connect timeout on endpoint URL: "${POD_IDENTITY_URI}"`;
  }
  return undefined;
}

/** A deleted association of the pod's service account whose credentials the agent still caches. */
function cachedAssociation(cluster: ClusterState, pod: PodState, now: number) {
  return cluster.associations.find(
    (a) =>
      a.namespace === pod.namespace &&
      a.serviceAccount === pod.serviceAccount &&
      a.deletedAt !== undefined &&
      (a.forgetAt ?? Infinity) > now,
  );
}

function podIdentity(ctx: ExecContext, env: Record<string, string>): ExecResult {
  const { view, cluster, pod, now } = ctx;
  const state = view.state;
  const unreachable = agentUnreachable(ctx, env);
  if (unreachable !== undefined) {
    return fail(
      255,
      `\nError when retrieving credentials from container-role: Error retrieving metadata: Received error when attempting to retrieve container metadata: ${unreachable}\n`,
    );
  }
  const refused = nodeRoleRefusal(
    state,
    cluster,
    cluster.nodes.find((n) => n.name === pod.nodeName),
  );
  if (refused !== undefined) {
    // The agent answers the SDK with EKS Auth's error (the exact wording the CLI prints is *unconfirmed*).
    return fail(
      255,
      `\nError when retrieving credentials from container-role: Error retrieving metadata: Received non 200 response (403) from container metadata: AccessDeniedException: ${refused}\n`,
    );
  }
  // The agent asks EKS for the current association; after a delete it serves its cache
  // until its next renewal, which EKS Auth answers with ResourceNotFoundException and which
  // evicts the credentials (aws/eks-pod-identity-agent internal/credsretriever/
  // refreshing_cache.go; the sandbox keeps the deleted record that long, src/sandbox/eks.ts).
  const association = visibleAssociation(cluster, pod.namespace, pod.serviceAccount, now);
  const cached = association === undefined ? cachedAssociation(cluster, pod, now) : undefined;
  if (association === undefined && cached === undefined && pod.podIdentityRoleArn !== undefined) {
    // What the CLI prints for the agent's 404 is *unconfirmed*; the exit code is the CLI's 255.
    return fail(
      255,
      `\nError when retrieving credentials from container-role: Error retrieving metadata: Received non 200 response (404) from container metadata: ResourceNotFoundException: no Pod Identity association for ${pod.namespace}/${pod.serviceAccount} in cluster ${cluster.name}\n`,
    );
  }
  const roleArn = association?.roleArn ?? cached?.roleArn ?? pod.podIdentityRoleArn;
  const role = roleByArn(state, roleArn);
  const context = podIdentityRequestContext(state, cluster, pod, association);
  const allowed =
    role !== undefined &&
    trustAllows(trustPolicySeenBySts(role, now), {
      principalType: 'Service',
      principal: 'pods.eks.amazonaws.com',
      actions: ['sts:AssumeRole', 'sts:TagSession'],
      context,
    });
  if (roleArn !== undefined) {
    const call = probeCaller(state, cluster, pod, now);
    recordProbe(state, podIdentityEvents(call, roleArn, allowed ? undefined : 'AccessDeniedException'));
  }
  if (!allowed) {
    return fail(
      254,
      '\nAn error occurred (AccessDeniedException) when calling the AssumeRoleForPodIdentity operation: Unauthorized Exception! EKS does not have permissions to assume the associated role.\n',
    );
  }
  const uuid = randomUUID();
  const session = podIdentitySessionName(cluster.name, pod.name, uuid);
  if (association?.targetRoleArn === undefined) return identity(role, session);
  const target = roleByArn(state, association.targetRoleArn);
  const requestTags = Object.fromEntries(Object.entries(context).filter(([key]) => key.startsWith('aws:RequestTag/')));
  const chainRefused = chainRefusal(state, role, target, association, requestTags);
  if (chainRefused !== undefined || target === undefined) {
    // The agent answers with EKS Auth's error; its wording for a refused target is *unconfirmed*.
    return fail(
      254,
      `\nAn error occurred (AccessDeniedException) when calling the AssumeRoleForPodIdentity operation: ${chainRefused ?? ''}\n`,
    );
  }
  // How EKS names the target-role session is not documented: the sandbox keeps the first hop's.
  return identity(target, session);
}
