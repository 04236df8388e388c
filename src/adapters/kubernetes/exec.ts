import { Writable } from 'node:stream';
import type { Exec } from '@kubernetes/client-node';
import { PortError } from '../../ports/errors.js';
import type { ExecOutcome } from '../../domain/kubernetes.js';
import { mapKubernetesError, notStartedReason, statusFailure } from './errors.js';
import type { KubeStatus } from './errors.js';

export const DEFAULT_EXEC_TIMEOUT_MS = 30_000;

/** The bits of the `ws` socket Exec hands back that we use (client-node types it loosely). */
interface ExecSocket {
  once(event: 'close', listener: () => void): unknown;
  terminate(): void;
}

class Collector extends Writable {
  private readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk);
    done();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** `undefined` when the command never ran (the status is then an API failure, not an exit). */
export function exitCodeOf(status: KubeStatus): number | undefined {
  if (status.status === 'Success') return 0;
  if (status.reason !== 'NonZeroExitCode') return undefined;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : undefined;
}

/**
 * Runs a command in a container over the exec websocket and waits for the status
 * channel. A deadline covers the whole exchange, the upgrade included: a hung kubelet
 * must not hang the activity.
 *
 * The status channel carries one `Status` (kubelet `ServeExec`): Success; NonZeroExitCode
 * with the code as an `ExitCode` cause; or, when the runtime could not run the command at
 * all, an InternalError. On containerd, EKS's runtime, a missing binary is the last kind,
 * not exit 126/127 (that came from the shell dockershim ran commands through):
 *   Internal error occurred: error executing command in container: failed to exec in
 *   container: failed to start exec "<id>": OCI runtime exec failed: exec failed: unable to
 *   start container process: exec: "aws": executable file not found in $PATH: unknown
 * (containerd internal/cri/server/streaming.go and container_execsync.go wrap runc's error
 * from cmd/containerd-shim-runc-v2/process/exec.go; reported verbatim in
 * nigelpoulton/TheK8sBook#30 and containerd/containerd#3597). That answer is final, so it
 * is an `ExecNotStarted` result for the caller to weigh, never a retryable failure.
 */
export function runExec(
  exec: Exec,
  target: { namespace: string; pod: string; container: string; command: string[] },
  timeoutMs: number,
  context: string,
): Promise<ExecOutcome> {
  const stdout = new Collector();
  const stderr = new Collector();
  return new Promise<ExecOutcome>((resolve, reject) => {
    let settled = false;
    let socket: ExecSocket | undefined;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const timer = setTimeout(() => {
      settle(() => reject(new PortError('timeout', `${context}: no exit status after ${timeoutMs} ms`)));
      socket?.terminate();
    }, timeoutMs);

    const onStatus = (status: KubeStatus) => {
      const exitCode = exitCodeOf(status);
      const notStarted = exitCode === undefined ? notStartedReason(status) : undefined;
      settle(() => {
        if (exitCode !== undefined) resolve({ exitCode, stdout: stdout.text(), stderr: stderr.text() });
        else if (notStarted !== undefined) resolve({ notStarted, message: status.message ?? '' });
        else reject(statusFailure(status, context));
      });
    };

    exec
      .exec(target.namespace, target.pod, target.container, target.command, stdout, stderr, null, false, onStatus)
      .then((ws) => {
        socket = ws as ExecSocket;
        if (settled) {
          socket.terminate();
          return;
        }
        socket.once('close', () =>
          settle(() => reject(new PortError('unavailable', `${context}: exec stream closed before the exit status`))),
        );
      })
      .catch((err: unknown) => settle(() => reject(mapKubernetesError(err, context))));
  });
}
