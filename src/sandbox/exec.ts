/**
 * What a command run in a sandbox pod answers. Only the probes the migrator uses are
 * simulated: `aws sts get-caller-identity` (credentials decided by the env the webhook
 * injected and by the role's trust policy) and `env`/`printenv`.
 */
import { randomUUID } from 'node:crypto';
import type { ExecResult } from '../domain/kubernetes.js';
import { isFargateNode } from './pods.js';
import type { ClusterState, ContainerSpec, FleetState, PodState, RoleState } from './state.js';
import { issuerHostPath, oidcProviderArn } from '../domain/trust-policy.js';
import { agentMissing, nodeRoleRefusal } from './agent.js';
import { podIdentityRequestContext } from './session-tags.js';
import { trustAllows } from './trust.js';
import { credentialPath, POD_IDENTITY_URI, visibleAssociation } from './webhook.js';

const AGENT_HOST = '169.254.170.23';
const SESSION_NAME_MAX = 64;

export interface ExecContext {
  state: FleetState;
  cluster: ClusterState;
  pod: PodState;
  container: ContainerSpec;
  now: number;
}

const ok = (stdout: string): ExecResult => ({ exitCode: 0, stdout, stderr: '' });
const fail = (exitCode: number, stderr: string): ExecResult => ({ exitCode, stdout: '', stderr });

/** Words of the command, looking through `sh -c '…'`. */
function words(command: string[]): string[] {
  const [shell, flag, script] = command;
  const argv = shell !== undefined && /(^|\/)(ba)?sh$/.test(shell) && flag === '-c' ? [script ?? ''] : command;
  return argv.flatMap((a) => a.split(/\s+/)).filter((w) => w.length > 0);
}

export function runCommand(ctx: ExecContext, command: string[]): ExecResult {
  const argv = words(command);
  const program = argv[0] ?? '';
  if (argv.includes('sts') && argv.includes('get-caller-identity')) {
    return ctx.container.awsCli ? callerIdentity(ctx) : fail(127, 'sh: aws: not found\n');
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

function roleByArn(state: FleetState, arn: string | undefined): RoleState | undefined {
  return Object.values(state.roles).find((r) => r.arn === arn);
}

function identity(state: FleetState, role: RoleState, session: string): ExecResult {
  const body = {
    UserId: `${role.roleId}:${session}`,
    Account: state.accountId,
    Arn: `arn:aws:sts::${state.accountId}:assumed-role/${role.name}/${session}`,
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

function webIdentity({ state, cluster, pod, now }: ExecContext, env: Record<string, string>): ExecResult {
  const role = roleByArn(state, env.AWS_ROLE_ARN);
  const issuer = cluster.oidcIssuer;
  const allowed =
    role !== undefined &&
    issuer !== undefined &&
    trustAllows(role.trustPolicy, {
      principalType: 'Federated',
      principal: oidcProviderArn(state.accountId, issuer),
      actions: ['sts:AssumeRoleWithWebIdentity'],
      context: {
        [`${issuerHostPath(issuer)}:sub`]: `system:serviceaccount:${pod.namespace}:${pod.serviceAccount}`,
        [`${issuerHostPath(issuer)}:aud`]: 'sts.amazonaws.com',
      },
    });
  if (!allowed) {
    return fail(
      254,
      '\nAn error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity\n',
    );
  }
  return identity(state, role, env.AWS_ROLE_SESSION_NAME ?? `botocore-session-${Math.floor(now / 1000)}`);
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

function podIdentity(ctx: ExecContext, env: Record<string, string>): ExecResult {
  const { state, cluster, pod, now } = ctx;
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
  // The agent asks EKS for the current association; after a delete it serves its cache.
  const association = visibleAssociation(cluster, pod.namespace, pod.serviceAccount, now);
  const roleArn = association?.roleArn ?? pod.podIdentityRoleArn;
  const role = roleByArn(state, roleArn);
  const allowed =
    role !== undefined &&
    trustAllows(role.trustPolicy, {
      principalType: 'Service',
      principal: 'pods.eks.amazonaws.com',
      actions: ['sts:AssumeRole', 'sts:TagSession'],
      context: podIdentityRequestContext(state, cluster, pod, association),
    });
  if (!allowed) {
    return fail(
      254,
      '\nAn error occurred (AccessDeniedException) when calling the AssumeRoleForPodIdentity operation: Unauthorized Exception! EKS does not have permissions to assume the associated role.\n',
    );
  }
  const uuid = randomUUID();
  const prefix = `eks-${cluster.name}-`;
  const room = Math.max(0, SESSION_NAME_MAX - prefix.length - uuid.length - 1);
  return identity(state, role, `${prefix}${pod.name.slice(0, room)}-${uuid}`);
}
