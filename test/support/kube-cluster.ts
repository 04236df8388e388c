// A real Kubernetes control plane on 127.0.0.1 for tests: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok (fake nodes; pods on them become
// Running/Ready without a kubelet). Built by scripts/provision-k8s.sh, started by
// scripts/k8s-up.sh into a fresh temp dir and stopped by scripts/k8s-down.sh.
import { spawn, spawnSync } from 'node:child_process';
import { constants, rmSync } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const UP = join(REPO_ROOT, 'scripts', 'k8s-up.sh');
const DOWN = join(REPO_ROOT, 'scripts', 'k8s-down.sh');
const BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'kubectl'] as const;

export interface KubeCluster {
  /** Self-contained cluster-admin kubeconfig (client certificate, CA embedded). */
  readonly kubeconfigPath: string;
  /** The cluster's state dir: logs/, pki/, pids/, ports.env. Removed by stop(). */
  readonly dir: string;
  /** API server URL, e.g. https://127.0.0.1:34567 */
  readonly server: string;
  /** Path of the kubectl built with the control plane (handy for debugging). */
  readonly kubectlPath: string;
  /** Stops every component and removes dir. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartKubeClusterOptions {
  /** Number of fake (kwok) nodes to create and wait for; default 2. */
  nodes?: number;
  /** Seconds k8s-up.sh waits for each step; default 120. */
  timeoutSeconds?: number;
  /** Keep the state dir after stop() (logs for a failing test). */
  keepDir?: boolean;
}

/** Where scripts/provision-k8s.sh puts the binaries. */
export function kubeBinDir(): string {
  if (process.env.K8S_BIN_DIR) return process.env.K8S_BIN_DIR;
  const cache = process.env.MIGRATE_IDENTITY_CACHE ?? join(homedir(), '.cache', 'migrate-identity');
  return join(cache, 'k8s', 'bin');
}

async function assertProvisioned(binDir: string): Promise<void> {
  const missing: string[] = [];
  for (const name of BINARIES) {
    try {
      await access(join(binDir, name), constants.X_OK);
    } catch {
      missing.push(name);
    }
  }
  if (missing.length > 0) {
    throw new Error(
      `Kubernetes test binaries missing in ${binDir}: ${missing.join(', ')}. ` +
        `Run scripts/provision-k8s.sh first (builds them from the Go module proxy; about 8-15 min cold, under a second when cached).`,
    );
  }
}

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? 1, stdout, stderr }));
  });
}

/** Starts a fresh control plane; call stop() when done (e.g. in an `after` hook). */
export async function startKubeCluster(options: StartKubeClusterOptions = {}): Promise<KubeCluster> {
  const binDir = kubeBinDir();
  await assertProvisioned(binDir);

  const dir = await mkdtemp(join(tmpdir(), 'migrate-identity-k8s-'));
  const env: NodeJS.ProcessEnv = { ...process.env, K8S_BIN_DIR: binDir };
  if (options.nodes !== undefined) env.K8S_FAKE_NODES = String(options.nodes);
  if (options.timeoutSeconds !== undefined) env.K8S_UP_TIMEOUT = String(options.timeoutSeconds);

  // Safety net: if the test process exits without stop(), don't leave the components running.
  const onExit = (): void => {
    spawnSync(DOWN, [dir], { stdio: 'ignore' });
    if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const up = await run(UP, [dir], env);
  if (up.code !== 0) {
    await run(DOWN, [dir]);
    process.removeListener('exit', onExit);
    if (!options.keepDir) await rm(dir, { recursive: true, force: true });
    throw new Error(`scripts/k8s-up.sh failed (exit ${up.code}):\n${up.stderr}${up.stdout}`);
  }

  const kubeconfigPath = up.stdout.trim().split('\n').pop() ?? join(dir, 'kubeconfig');
  const ports = await readFile(join(dir, 'ports.env'), 'utf8');
  const apiPort = /^API_PORT=(\d+)$/m.exec(ports)?.[1];
  let stopped: Promise<void> | undefined;

  return {
    kubeconfigPath,
    dir,
    server: `https://127.0.0.1:${apiPort ?? ''}`,
    kubectlPath: join(binDir, 'kubectl'),
    stop(): Promise<void> {
      stopped ??= (async () => {
        const down = await run(DOWN, [dir]);
        process.removeListener('exit', onExit);
        if (down.code !== 0) throw new Error(`scripts/k8s-down.sh failed (exit ${down.code}): ${down.stderr}`);
        if (!options.keepDir) await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
