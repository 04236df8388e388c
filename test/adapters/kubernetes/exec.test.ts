import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createKubernetesAdapter } from '../../../src/adapters/kubernetes/adapter.js';
import { exitCodeOf } from '../../../src/adapters/kubernetes/exec.js';
import { isExecNotStarted } from '../../../src/domain/kubernetes.js';
import { PortError } from '../../../src/ports/errors.js';
import { createSandboxFleet } from '../../../src/sandbox/index.js';
import { missingExecutableStatus } from '../../../src/sandbox/exec.js';
import type { ExecReply } from '../../support/fake-kube-api.js';
import { EXEC_PROTOCOL, kubeConfigFor, startFakeKubeApi } from '../../support/fake-kube-api.js';

const SUCCESS = { metadata: {}, status: 'Success' };

function nonZero(code: number) {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [sh -c exit ${code}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

async function setup(t: TestContext, reply: ExecReply, execTimeoutMs?: number) {
  const api = await startFakeKubeApi();
  t.after(() => api.close());
  api.onExec(reply);
  const kube = createKubernetesAdapter(() => kubeConfigFor(api), execTimeoutMs === undefined ? {} : { execTimeoutMs });
  return { api, kube };
}

test('collects stdout and stderr and reports exit code 0 on Success', async (t) => {
  const { api, kube } = await setup(t, {
    stdout: '{"Arn":"arn:aws:sts::1:assumed-role/r/eks-x"}\n',
    stderr: 'note\n',
    status: SUCCESS,
  });

  const result = await kube.exec('sandbox-a', 'payments', 'api-1', 'main', ['aws', 'sts', 'get-caller-identity']);

  assert.deepEqual(result, {
    exitCode: 0,
    stdout: '{"Arn":"arn:aws:sts::1:assumed-role/r/eks-x"}\n',
    stderr: 'note\n',
  });
  assert.equal(api.requests.length, 1);
  const [upgrade] = api.requests;
  assert.equal(upgrade?.method, 'GET');
  assert.equal(upgrade?.path, '/api/v1/namespaces/payments/pods/api-1/exec');
  assert.deepEqual(upgrade?.query, {
    stdout: 'true',
    stderr: 'true',
    stdin: 'false',
    tty: 'false',
    command: ['aws', 'sts', 'get-caller-identity'],
    container: 'main',
  });
  assert.equal(upgrade?.authorization, 'Bearer test-token');
  assert.ok(upgrade?.protocols?.includes(EXEC_PROTOCOL));
  assert.ok(upgrade?.protocols?.includes('v5.channel.k8s.io'));
});

test('reports the exit code of a command that fails', async (t) => {
  const { kube } = await setup(t, { stderr: 'boom\n', status: nonZero(3) });

  const result = await kube.exec('sandbox-a', 'payments', 'api-1', 'main', ['sh', '-c', 'exit 3']);

  assert.deepEqual(result, { exitCode: 3, stdout: '', stderr: 'boom\n' });
});

test('fails with timeout when no exit status arrives in time', async (t) => {
  const { kube } = await setup(t, { hang: true }, 150);

  const started = Date.now();
  await assert.rejects(kube.exec('sandbox-a', 'payments', 'api-1', 'main', ['sleep', '3600']), {
    name: 'PortError',
    kind: 'timeout',
    message: 'kubernetes sandbox-a: exec pod payments/api-1/main: no exit status after 150 ms',
  });
  assert.ok(Date.now() - started < 5_000);
});

test('maps a failure status without an exit code as an API failure', async (t) => {
  const { kube } = await setup(t, {
    status: {
      metadata: {},
      status: 'Failure',
      code: 500,
      reason: 'InternalError',
      message: 'exec: "aws": executable file not found in $PATH',
    },
  });

  await assert.rejects(kube.exec('sandbox-a', 'payments', 'api-1', 'main', ['aws']), (err: unknown) => {
    assert.ok(err instanceof PortError);
    assert.equal(err.kind, 'unavailable');
    assert.equal(err.details.code, 'InternalError');
    assert.match(err.message, /^kubernetes sandbox-a: exec pod payments\/api-1\/main: exec: "aws": executable file/);
    return true;
  });
});

test('fails with unavailable when the stream closes before the exit status', async (t) => {
  const { kube } = await setup(t, { stdout: 'partial' });

  await assert.rejects(kube.exec('sandbox-a', 'payments', 'api-1', 'main', ['true']), {
    name: 'PortError',
    kind: 'unavailable',
  });
});

test('maps a refused upgrade by its HTTP status', async (t) => {
  for (const [status, kind] of [
    [403, 'access-denied'],
    [404, 'not-found'],
    [400, 'validation'],
  ] as const) {
    const { kube } = await setup(t, { refuse: status });
    await assert.rejects(kube.exec('sandbox-a', 'payments', 'api-1', 'main', ['true']), (err: unknown) => {
      assert.ok(err instanceof PortError);
      assert.equal(err.kind, kind);
      assert.equal(err.details.httpStatus, status);
      assert.match(err.message, /^kubernetes sandbox-a: exec pod payments\/api-1\/main: /);
      return true;
    });
  }
});

test('exitCodeOf reads Success, NonZeroExitCode and nothing else', () => {
  assert.equal(exitCodeOf(SUCCESS), 0);
  assert.equal(exitCodeOf(nonZero(127)), 127);
  assert.equal(exitCodeOf({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [] } }), undefined);
  assert.equal(exitCodeOf({ status: 'Failure', reason: 'InternalError' }), undefined);
});

// The Status a kubelet on containerd sends when the binary is missing (runc's message,
// wrapped by containerd's CRI streaming server and the kubelet's ServeExec as an
// InternalError), as `kubectl exec` shows it in nigelpoulton/TheK8sBook#30.
const CONTAINERD_MISSING_AWS = {
  metadata: {},
  status: 'Failure',
  message:
    'Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "fc7ef1a745ffd71b0d28376f80ab706bf896fb8e13c501e66a2889286eda97f9": OCI runtime exec failed: exec failed: unable to start container process: exec: "aws": executable file not found in $PATH: unknown',
  reason: 'InternalError',
  details: {
    causes: [
      {
        message:
          'error executing command in container: failed to exec in container: failed to start exec "fc7ef1a745ffd71b0d28376f80ab706bf896fb8e13c501e66a2889286eda97f9": OCI runtime exec failed: exec failed: unable to start container process: exec: "aws": executable file not found in $PATH: unknown',
      },
    ],
  },
  code: 500,
};

test('a binary missing on containerd is a command that never started, not a retryable failure', async (t) => {
  const { kube } = await setup(t, { status: CONTAINERD_MISSING_AWS });

  const result = await kube.exec('sandbox-a', 'payments', 'api-1', 'main', ['aws', 'sts', 'get-caller-identity']);

  assert.deepEqual(result, { notStarted: 'executable-not-found', message: CONTAINERD_MISSING_AWS.message });
});

test('other runtimes say it their way: a missing path (runc), crun, and kwok (Go os/exec on the host)', async (t) => {
  const internal = (cause: string) => ({
    metadata: {},
    status: 'Failure',
    code: 500,
    reason: 'InternalError',
    message: `Internal error occurred: error executing command in container: ${cause}`,
  });
  for (const cause of [
    'failed to exec in container: failed to start exec "0a": OCI runtime exec failed: exec failed: unable to start container process: exec: "/usr/local/bin/aws": stat /usr/local/bin/aws: no such file or directory: unknown',
    'failed to exec in container: failed to start exec "0b": OCI runtime exec failed: executable file `aws` not found in $PATH: No such file or directory: unknown',
    'cmd start: aws sts get-caller-identity : exec: "aws": executable file not found in $PATH',
    'cmd start: /usr/local/bin/aws : fork/exec /usr/local/bin/aws: no such file or directory',
  ]) {
    const { kube } = await setup(t, { status: internal(cause) });
    const result = await kube.exec('sandbox-a', 'payments', 'api-1', 'main', ['aws']);
    assert.deepEqual(result, { notStarted: 'executable-not-found', message: internal(cause).message }, cause);
  }
});

test('other InternalErrors of the runtime stay retryable API failures', async (t) => {
  // A container that is not running (yet, or any more): retrying may well help.
  const { kube } = await setup(t, {
    status: {
      metadata: {},
      status: 'Failure',
      code: 500,
      reason: 'InternalError',
      message:
        'Internal error occurred: error executing command in container: failed to exec in container: container is in CONTAINER_EXITED state',
    },
  });
  await assert.rejects(kube.exec('sandbox-a', 'payments', 'api-1', 'main', ['aws']), (err: unknown) => {
    assert.ok(err instanceof PortError);
    assert.equal(err.kind, 'unavailable');
    assert.ok(err.retryable);
    return true;
  });
});

test('contract: the sandbox answers a missing binary as the kubelet does, and the adapter reads both alike', async (t) => {
  const fleet = createSandboxFleet({ consistencyDelayMs: 0 });
  const pod = (await fleet.kubernetes.listPods('sandbox-a', 'payments', 'fargate-worker'))[0]!;
  const command = ['aws', 'sts', 'get-caller-identity'];
  const sandbox = await fleet.kubernetes.exec('sandbox-a', 'payments', pod.name, pod.containers[0]!.name, command);
  assert.ok(isExecNotStarted(sandbox), 'the sandbox image has no AWS CLI');
  // The same Status, with the exec id the sandbox drew, through the exec websocket to the real adapter.
  const execId = /failed to start exec "([0-9a-f]{64})"/.exec(sandbox.message)?.[1];
  assert.ok(execId, sandbox.message);
  const status = missingExecutableStatus('aws', execId);
  assert.deepEqual(
    { status: status.status, reason: status.reason, code: status.code },
    { status: 'Failure', reason: 'InternalError', code: 500 },
  );
  assert.equal(status.message, CONTAINERD_MISSING_AWS.message.replace(/"fc7e[0-9a-f]+"/, `"${execId}"`));
  const { kube } = await setup(t, { status });

  const adapter = await kube.exec('sandbox-a', 'payments', pod.name, pod.containers[0]!.name, command);

  assert.deepEqual(adapter, sandbox);
});
