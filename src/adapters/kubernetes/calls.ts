import type { AppsV1Api, BatchV1Api, CoreV1Api, Exec, KubeConfig, V1ListMeta } from '@kubernetes/client-node';
import { isPortError } from '../../ports/errors.js';
import { mapKubernetesError } from './errors.js';
import { LIST_PAGE_SIZE } from './requests.js';

/** The API clients for one cluster, built once from its KubeConfig. */
export interface ClusterClients {
  cluster: string;
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  exec: Exec;
  /** What the clients were made from; exec renews its credentials through it after a 401. */
  kubeConfig: KubeConfig;
  /** Deadline for each plain API request. */
  requestTimeoutMs: number;
  /** Items per list page. */
  listPageSize: number;
}

/** `kubernetes sandbox-a: patch serviceaccount payments/reconciler`: the prefix of every error message. */
export function describeCall(
  cluster: string,
  verb: string,
  resource: string,
  namespace: string | undefined,
  name?: string,
): string {
  const object = namespace === undefined ? name : name === undefined ? `in ${namespace}` : `${namespace}/${name}`;
  return `kubernetes ${cluster}: ${verb} ${resource} ${object ?? ''}`.trimEnd();
}

/** Runs one API call and maps its failure at the edge. */
export async function call<T>(context: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mapKubernetesError(err, context);
  }
}

/** Like `call`, with `undefined` for a 404. */
export async function callOrUndefined<T>(context: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call(context, fn);
  } catch (err) {
    if (isPortError(err, 'not-found')) return undefined;
    throw err;
  }
}

/** One list request: client-node's list methods take these paging parameters. */
export type ListPage<T> = (params: {
  limit: number;
  _continue?: string;
}) => Promise<{ items: T[]; metadata?: V1ListMeta }>;

/** Follows continue tokens so large namespaces are read in bounded pages. */
export async function listAllPages<T>(context: string, page: ListPage<T>, pageSize = LIST_PAGE_SIZE): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const params = token === undefined ? { limit: pageSize } : { limit: pageSize, _continue: token };
    const list = await call(context, () => page(params));
    items.push(...list.items);
    token = list.metadata?._continue || undefined;
  } while (token !== undefined);
  return items;
}
