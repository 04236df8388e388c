/**
 * Everything the adapter puts on the wire beyond a plain read: patch bodies, patch
 * content types, selectors, page sizes and per-request deadlines. Kept in one file so
 * the tests (and anyone checking against a real kube-apiserver) see one source of truth.
 */
import { Observable, PatchStrategy, setHeaderMiddleware } from '@kubernetes/client-node';
import type { ConfigurationOptions, ObservableMiddleware, RequestContext } from '@kubernetes/client-node';

/** The pod-template annotation `kubectl rollout restart` sets. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

/** Page size for list calls; the server hands back a continue token past it. */
export const LIST_PAGE_SIZE = 500;

/** Adds (`value` string) or removes (`value` null) one annotation, leaving the others alone. */
export function annotationPatch(key: string, value: string | null): object {
  return { metadata: { annotations: { [key]: value } } };
}

/** Byte for byte the patch `kubectl rollout restart` sends. */
export function restartPatch(restartedAt: string): object {
  return { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: restartedAt } } } } };
}

/** Pods support this field selector server-side, so the list stays small in busy namespaces. */
export function podsOfServiceAccountSelector(serviceAccount: string): string {
  return `spec.serviceAccountName=${serviceAccount}`;
}

function deadlineMiddleware(timeoutMs: number): ObservableMiddleware {
  return {
    pre: (request: RequestContext) => {
      request.setSignal(AbortSignal.timeout(timeoutMs));
      return new Observable(Promise.resolve(request));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
}

/**
 * Per-call options. client-node 2.0 picks `application/json-patch+json` for every PATCH
 * unless a middleware overrides the header, and applies no deadline of its own.
 * `append` keeps the client's own middleware (User-Agent) in front.
 */
export function callOptions(timeoutMs: number, patch?: 'strategic-merge'): ConfigurationOptions<ObservableMiddleware> {
  const middleware = [deadlineMiddleware(timeoutMs)];
  if (patch === 'strategic-merge') {
    middleware.push(setHeaderMiddleware('Content-Type', PatchStrategy.StrategicMergePatch));
  }
  return { middleware, middlewareMergeStrategy: 'append' };
}
