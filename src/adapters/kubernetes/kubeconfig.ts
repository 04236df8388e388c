import { KubeConfig } from '@kubernetes/client-node';
import { PortError } from '../../ports/errors.js';
import { RefreshingBearerToken } from './bearer-token.js';
import type { BearerTokenOptions } from './bearer-token.js';

/**
 * A named context from a kubeconfig file (`kubeconfigPath`, else the default lookup:
 * `$KUBECONFIG`, then `~/.kube/config`, as kubectl does). Exec plugins such as
 * `aws eks get-token` run through client-node's own exec authenticator.
 */
export function kubeConfigFromContext(context: string, kubeconfigPath?: string): KubeConfig {
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
}

export interface EndpointOptions extends BearerTokenOptions {
  clusterName: string;
  /** `https://…` API server endpoint, as DescribeCluster returns it. */
  endpoint: string;
  /** Base64 PEM bundle, as DescribeCluster returns it. */
  certificateAuthorityBase64: string;
  /** Returns a bearer token (`k8s-aws-v1.…`); called again once the cached one is due for refresh. */
  token: () => Promise<string>;
}

/** The EKS route: no kubeconfig file, the endpoint and CA from DescribeCluster, a generated token. */
export function kubeConfigFromEndpoint(opts: EndpointOptions): KubeConfig {
  const { clusterName, endpoint, certificateAuthorityBase64, token, ...tokenOptions } = opts;
  const userName = `${clusterName}/eks-token`;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: clusterName, server: endpoint, caData: certificateAuthorityBase64, skipTLSVerify: false }],
    users: [{ name: userName }],
    contexts: [{ name: clusterName, cluster: clusterName, user: userName }],
    currentContext: clusterName,
  });
  kc.addAuthenticator(new RefreshingBearerToken(userName, token, tokenOptions));
  return kc;
}
