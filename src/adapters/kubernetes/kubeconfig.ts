import {
  KubeConfig,
  Observable,
  ServerConfiguration,
  createConfiguration,
  setHeaderMiddleware,
} from '@kubernetes/client-node';
import type { ApiConstructor, ApiType, HttpLibrary, RequestContext, ResponseContext } from '@kubernetes/client-node';
import type https from 'node:https';
import { parseEksClusterArn } from '../../domain/eks-cluster-arn.js';
import { PortError, isPortError } from '../../ports/errors.js';
import { RefreshingBearerToken } from './bearer-token.js';
import type { BearerToken, BearerTokenOptions } from './bearer-token.js';

const HTTP_UNAUTHORIZED = 401;

/**
 * A KubeConfig whose credentials can be thrown away and made again. When the API server
 * answers 401, the credentials that signed the request are replaced (unless a concurrent
 * request already replaced them) and the request is sent once more. This is client-go's
 * exec credential plugin behaviour (kubernetes/client-go, plugin/pkg/client/auth/exec/exec.go:
 * the round tripper that `Authenticator.UpdateTransportConfig` installs calls
 * `maybeRefreshCreds` on `http.StatusUnauthorized`, which re-runs the plugin unless the
 * cached credentials were already rotated), plus the one retry: client-go hands that 401
 * back to its caller, and here the caller is a Temporal activity whose own retry would
 * cost a whole attempt. A request rejected at authentication did nothing, so sending it
 * again is safe. A 401 for a freshly made credential is a real refusal and stays one.
 */
class RenewableKubeConfig extends KubeConfig {
  private credentials: KubeConfig;
  private readonly signedBy = new WeakMap<RequestContext, KubeConfig>();

  constructor(private readonly makeCredentials: () => KubeConfig) {
    super();
    this.credentials = makeCredentials();
    const { clusters, users, contexts, currentContext } = this.credentials;
    this.loadFromOptions({ clusters, users, contexts, currentContext });
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    const credentials = this.credentials;
    await credentials.applySecurityAuthentication(context);
    this.signedBy.set(context, credentials);
  }

  override applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    return this.credentials.applyToHTTPSOptions(opts);
  }

  /** Like client-node's, with an HTTP library that renews the credentials after a 401 and retries once. */
  override makeApiClient<T extends ApiType>(apiClientType: ApiConstructor<T>): T {
    const cluster = this.getCurrentCluster();
    if (!cluster) throw new Error('No active cluster!');
    const base = {
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: this },
      middleware: [setHeaderMiddleware('User-Agent', 'migrate-identity (kubernetes-client-javascript)')],
    };
    // client-node's default HTTP library, wrapped.
    const { httpApi } = createConfiguration(base);
    return new apiClientType(createConfiguration({ ...base, httpApi: new RenewOnUnauthorized(httpApi, this) }));
  }

  /** The credentials in use; pass them back to `renewCredentials` after they were refused. */
  get currentCredentials(): KubeConfig {
    return this.credentials;
  }

  /** Replaces `rejected` with new credentials, unless they were replaced already. */
  renewCredentials(rejected: KubeConfig | RequestContext): void {
    const used = rejected instanceof KubeConfig ? rejected : this.signedBy.get(rejected);
    if (used === undefined || used === this.credentials) this.credentials = this.makeCredentials();
  }
}

class RenewOnUnauthorized implements HttpLibrary {
  constructor(
    private readonly http: HttpLibrary,
    private readonly kc: RenewableKubeConfig,
  ) {}

  send(request: RequestContext): Observable<ResponseContext> {
    return new Observable(this.sendRenewingOnce(request));
  }

  private async sendRenewingOnce(request: RequestContext): Promise<ResponseContext> {
    const response = await this.http.send(request).toPromise();
    if (response.httpStatusCode !== HTTP_UNAUTHORIZED) return response;
    // Read the refused answer to the end so its connection goes back to the pool.
    await response.body.text().catch(() => '');
    this.kc.renewCredentials(request);
    await this.kc.applySecurityAuthentication(request);
    return this.http.send(request).toPromise();
  }
}

/**
 * Runs `attempt` (a call that does not go through an API client, such as exec's websocket)
 * and, when it fails with HTTP 401 and `kc` can renew its credentials, renews them and runs
 * it once more: the same rule the API clients follow.
 */
export async function retryOnceWithRenewedCredentials<T>(kc: KubeConfig, attempt: () => Promise<T>): Promise<T> {
  if (!(kc instanceof RenewableKubeConfig)) return attempt();
  const used = kc.currentCredentials;
  try {
    return await attempt();
  } catch (err) {
    if (!isPortError(err) || err.details.httpStatus !== HTTP_UNAUTHORIZED) throw err;
    kc.renewCredentials(used);
    return attempt();
  }
}

/**
 * A named context from a kubeconfig file (`kubeconfigPath`, else the default lookup:
 * `$KUBECONFIG`, then `~/.kube/config`, as kubectl does). Exec plugins such as
 * `aws eks get-token` run through client-node's own exec authenticator; after a 401 the
 * file is read again, so the plugin runs again instead of serving its cached token.
 */
export function kubeConfigFromContext(context: string, kubeconfigPath?: string): KubeConfig {
  return new RenewableKubeConfig(() => {
    const kc = new KubeConfig();
    if (kubeconfigPath === undefined) {
      kc.loadFromDefault();
    } else {
      kc.loadFromFile(kubeconfigPath);
    }
    if (kc.getContextObject(context) === null) {
      const where = kubeconfigPath ?? 'the default kubeconfig';
      throw new PortError('validation', `kubernetes: context "${context}" not found in ${where}`);
    }
    kc.setCurrentContext(context);
    return kc;
  });
}

/** The EKS cluster a kubeconfig context says it reaches, and what says so. */
export interface ContextEksCluster {
  name: string;
  region?: string;
  /** e.g. `the exec plugin's --cluster-name`, for the error message. */
  source: string;
}

/**
 * Which EKS cluster the current context authenticates to, when the kubeconfig says so: the
 * exec plugin's arguments (`aws eks get-token --cluster-name X [--region R]`,
 * `aws-iam-authenticator token -i X`), else an ARN as context or cluster entry name (what
 * `aws eks update-kubeconfig` writes). Undefined for anything else (tokens, certificates,
 * other plugins): then there is nothing to compare.
 */
export function eksClusterOfContext(kc: KubeConfig): ContextEksCluster | undefined {
  // client-node types `exec` as any: read only string arguments.
  const exec = kc.getCurrentUser()?.exec as { args?: unknown } | undefined;
  const args = Array.isArray(exec?.args) ? exec.args.filter((arg): arg is string => typeof arg === 'string') : [];
  const option = (...names: string[]): string | undefined => {
    for (const [i, arg] of args.entries()) {
      for (const name of names) {
        if (arg === name) return args[i + 1];
        if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
      }
    }
    return undefined;
  };
  const region = option('--region');
  const fromExec = args.includes('get-token') ? option('--cluster-name') : option('-i', '--cluster-id');
  if (fromExec !== undefined) {
    return { name: fromExec, ...(region !== undefined && { region }), source: "the exec plugin's arguments" };
  }
  for (const name of [kc.getCurrentContext(), kc.getCurrentCluster()?.name]) {
    const arn = name === undefined ? undefined : parseEksClusterArn(name);
    if (arn !== undefined) return { name: arn.name, region: arn.region, source: `its name ${name}` };
  }
  return undefined;
}

export interface EndpointOptions extends BearerTokenOptions {
  clusterName: string;
  /** `https://…` API server endpoint, as DescribeCluster returns it. */
  endpoint: string;
  /** Base64 PEM bundle, as DescribeCluster returns it. */
  certificateAuthorityBase64: string;
  /**
   * Returns a bearer token (`k8s-aws-v1.…`), with its expiry when known; called again once
   * the cached one is due for refresh, and after the API server refused it.
   */
  token: () => Promise<string | BearerToken>;
}

/** The EKS route: no kubeconfig file, the endpoint and CA from DescribeCluster, a generated token. */
export function kubeConfigFromEndpoint(opts: EndpointOptions): KubeConfig {
  const { clusterName, endpoint, certificateAuthorityBase64, token, ...tokenOptions } = opts;
  const userName = `${clusterName}/eks-token`;
  return new RenewableKubeConfig(() => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: clusterName, server: endpoint, caData: certificateAuthorityBase64, skipTLSVerify: false }],
      users: [{ name: userName }],
      contexts: [{ name: clusterName, cluster: clusterName, user: userName }],
      currentContext: clusterName,
    });
    kc.addAuthenticator(new RefreshingBearerToken(userName, token, tokenOptions));
    return kc;
  });
}
