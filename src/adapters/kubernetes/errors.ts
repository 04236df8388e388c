import { ApiException } from '@kubernetes/client-node';
import { PortError, isPortError } from '../../ports/errors.js';
import type { PortErrorKind } from '../../ports/errors.js';

const KIND_BY_STATUS: Readonly<Record<number, PortErrorKind>> = {
  400: 'validation',
  // An expired token never gets here: renewable credentials (the EKS token, exec plugins)
  // are renewed and the request retried once after a 401 (kubeconfig.ts). A 401 that is
  // left was for credentials made a moment ago, or for a static token nothing can renew.
  401: 'access-denied',
  403: 'access-denied',
  404: 'not-found',
  409: 'conflict',
  422: 'validation',
  429: 'throttled',
};

const KIND_BY_NETWORK_CODE: Readonly<Record<string, PortErrorKind>> = {
  ECONNREFUSED: 'unavailable',
  ECONNRESET: 'unavailable',
  EPIPE: 'unavailable',
  EHOSTUNREACH: 'unavailable',
  ENETUNREACH: 'unavailable',
  ENOTFOUND: 'unavailable',
  EAI_AGAIN: 'unavailable',
  UND_ERR_SOCKET: 'unavailable',
  UND_ERR_CLOSED: 'unavailable',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
};

/** The `Status` object the API server returns with every failure (and exec sends on its status channel). */
export interface KubeStatus {
  status?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

export function kindForHttpStatus(status: number): PortErrorKind {
  return KIND_BY_STATUS[status] ?? (status >= 500 ? 'unavailable' : 'unknown');
}

/**
 * Maps anything client-node, undici or ws throws to a `PortError`. `context` names the
 * cluster, verb and object, e.g. `kubernetes sandbox-a: patch serviceaccount payments/reconciler`.
 */
export function mapKubernetesError(err: unknown, context: string): PortError {
  if (isPortError(err)) return err;

  const http = findHttpFailure(err);
  if (http) {
    return new PortError(kindForHttpStatus(http.status), `${context}: ${http.detail}`, {
      httpStatus: http.status,
      ...(http.reason === undefined ? {} : { code: http.reason }),
      cause: err,
    });
  }

  const network = findNetworkFailure(err);
  if (network) {
    return new PortError(network.kind, `${context}: ${network.detail}`, {
      ...(network.code === undefined ? {} : { code: network.code }),
      cause: err,
    });
  }

  return new PortError('unknown', `${context}: ${messageOf(err)}`, { cause: err });
}

/**
 * What the runtimes say when the executable of an exec does not exist, inside the
 * kubelet's "error executing command in container: …" (see `notStartedReason`):
 * runc, through containerd: `exec: "aws": executable file not found in $PATH` for a bare
 * name and `exec: "/usr/bin/aws": stat /usr/bin/aws: no such file or directory` for a path
 * (opencontainers/runc libcontainer/setns_init_linux.go, exec.LookPath then unix.Exec);
 * crun: ``executable file `aws` not found in $PATH``; Go's os/exec, which kwok's fake
 * kubelet runs commands with: `exec: "aws": executable file not found in $PATH` and
 * `fork/exec /usr/bin/aws: no such file or directory`.
 */
const EXECUTABLE_NOT_FOUND = [
  /executable file not found in \$PATH/,
  /executable file `[^`]*` not found/,
  /exec: "[^"]*": stat [^:]*: no such file or directory/,
  /fork\/exec [^:]*: no such file or directory/,
];

/**
 * `executable-not-found` when an exec's failure `Status` says the command never started
 * because its binary is missing: the kubelet's streaming server (and containerd's, which
 * serves exec on EKS) wraps every runtime error that is not an exit code as
 * `NewInternalError("error executing command in container: …")`: status Failure, reason
 * InternalError, code 500 (kubernetes/kubernetes
 * staging/src/k8s.io/kubelet/pkg/cri/streaming/remotecommand/exec.go `ServeExec`;
 * apimachinery pkg/api/errors `NewInternalError`). Anything else is not ours to read.
 */
export function notStartedReason(status: KubeStatus): 'executable-not-found' | undefined {
  if (status.status !== 'Failure' || status.reason !== 'InternalError') return undefined;
  const message = status.message ?? '';
  if (!message.includes('error executing command in container')) return undefined;
  return EXECUTABLE_NOT_FOUND.some((pattern) => pattern.test(message)) ? 'executable-not-found' : undefined;
}

/** A failure `Status` as an error, so exec failures map like any other API failure. */
export function statusFailure(status: KubeStatus, context: string): PortError {
  const code = status.code ?? 500;
  return new PortError(kindForHttpStatus(code), `${context}: ${status.message ?? status.reason ?? 'exec failed'}`, {
    httpStatus: code,
    ...(status.reason === undefined ? {} : { code: status.reason }),
  });
}

interface HttpFailure {
  status: number;
  reason?: string;
  detail: string;
}

function findHttpFailure(err: unknown): HttpFailure | undefined {
  for (const e of causeChain(err)) {
    if (e instanceof ApiException) {
      const status = parseStatus(e.body);
      const code = e.code;
      return { status: code, reason: status?.reason, detail: status?.message ?? httpReasonPhrase(code, e.body) };
    }
    // ws reports a refused exec upgrade only through its message.
    const match = /Unexpected server response: (\d{3})/.exec(messageOf(e));
    if (match?.[1] !== undefined) {
      const code = Number(match[1]);
      return { status: code, detail: `exec upgrade refused with HTTP ${code}` };
    }
  }
  return undefined;
}

function findNetworkFailure(err: unknown): { kind: PortErrorKind; code?: string; detail: string } | undefined {
  for (const e of causeChain(err)) {
    if (typeof e !== 'object' || e === null) continue;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && KIND_BY_NETWORK_CODE[code] !== undefined) {
      return { kind: KIND_BY_NETWORK_CODE[code], code, detail: messageOf(e) };
    }
    if ((e as { name?: unknown }).name === 'TimeoutError') {
      return { kind: 'timeout', detail: 'request timed out' };
    }
  }
  return undefined;
}

/** The error, its `cause`s, ws's `ErrorEvent.error` and AggregateError members, outermost first. */
function causeChain(err: unknown): unknown[] {
  const seen: unknown[] = [];
  const queue: unknown[] = [err];
  while (queue.length > 0 && seen.length < 10) {
    const e = queue.shift();
    if (e === undefined || e === null || seen.includes(e)) continue;
    seen.push(e);
    if (typeof e === 'object') {
      const { cause, error, errors } = e as { cause?: unknown; error?: unknown; errors?: unknown };
      queue.push(cause, error);
      if (Array.isArray(errors)) queue.push(...(errors as unknown[]));
    }
  }
  return seen;
}

function parseStatus(body: unknown): KubeStatus | undefined {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { reason, message } = value as { reason?: unknown; message?: unknown };
  return {
    ...(typeof reason === 'string' ? { reason } : {}),
    ...(typeof message === 'string' ? { message } : {}),
  };
}

function httpReasonPhrase(code: number, body: unknown): string {
  if (typeof body === 'string' && body.length > 0 && body.length <= 200) return `HTTP ${code}: ${body}`;
  return code === 401 ? 'HTTP 401 Unauthorized' : `HTTP ${code}`;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  return String(err);
}
