// helm for the chart tests: the binary scripts/provision-helm.sh builds from the Go module
// proxy, run with its own empty config and cache dirs, and the chart's rendered manifests.
import { execFile } from 'node:child_process';
import { constants, mkdtempSync, rmSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { cacheDir } from './tools.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const CHART_DIR = join(REPO_ROOT, 'deploy', 'helm', 'migrate-identity');
export const EXAMPLES = ['temporal-cloud-mtls', 'temporal-cloud-api-key', 'self-hosted-temporal'] as const;

export function examplePath(name: (typeof EXAMPLES)[number]): string {
  return join(CHART_DIR, 'examples', `${name}.yaml`);
}

/** Where scripts/provision-helm.sh puts its outputs. */
export function helmPath(): string {
  return process.env.HELM_BIN ?? join(cacheDir(), 'helm', 'bin', 'helm');
}

/** The Prometheus Operator's ServiceMonitor CRD, from the same provisioning. */
export function serviceMonitorCrdPath(): string {
  return join(cacheDir(), 'helm', 'share', 'servicemonitors.crd.yaml');
}

export async function assertHelmProvisioned(): Promise<void> {
  for (const path of [helmPath(), serviceMonitorCrdPath()]) {
    try {
      await access(path, constants.R_OK);
    } catch {
      throw new Error(
        `${path} is missing. Run scripts/provision-helm.sh (builds helm from the Go module proxy: ` +
          `about 5 min cold, instant when cached).`,
      );
    }
  }
}

let helmHome: string | undefined;
/** helm reads and writes its config, cache and data under $HOME: keep the tests out of it. */
function helmEnv(): NodeJS.ProcessEnv {
  if (!helmHome) {
    const dir = mkdtempSync(join(tmpdir(), 'migrate-identity-helm-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    helmHome = dir;
  }
  return {
    ...process.env,
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_DATA_HOME: join(helmHome, 'data'),
  };
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, whatever its exit status; stdin from `input`. */
export function runCommand(
  command: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      command,
      args,
      { env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 120_000 },
      (error, stdout, stderr) => {
        // A string code is a spawn failure (ENOENT…); otherwise the exit status, or 1 when killed.
        if (typeof error?.code === 'string') reject(new Error(`${command}: ${error.message}`, { cause: error }));
        else resolvePromise({ code: error ? (error.code ?? 1) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

export function helm(args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  return runCommand(helmPath(), args, { ...options, env: helmEnv() });
}

export interface RenderOptions {
  values?: string[];
  set?: string[];
  setFile?: string[];
  namespace?: string;
}

export function valueArgs(options: RenderOptions): string[] {
  return [
    ...(options.values ?? []).flatMap((file) => ['--values', file]),
    ...(options.set ?? []).flatMap((pair) => ['--set', pair]),
    ...(options.setFile ?? []).flatMap((pair) => ['--set-file', pair]),
  ];
}

/** `helm template` of the chart; throws with helm's message when it refuses. */
export async function renderChart(options: RenderOptions = {}): Promise<{ text: string; manifests: Manifest[] }> {
  const result = await helm([
    'template',
    'mi',
    CHART_DIR,
    '--namespace',
    options.namespace ?? 'migrate-identity',
    ...valueArgs(options),
  ]);
  if (result.code !== 0) throw new Error(`helm template failed (exit ${result.code}):\n${result.stderr}`);
  const manifests = parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((doc): doc is Manifest => doc !== null);
  return { text: result.stdout, manifests };
}

/** A rendered object; findManifest narrows it to its client-node type. */
export type Manifest = KubernetesObject & { kind: string; metadata: { name: string } };

export function findManifest<T extends KubernetesObject = Manifest>(
  manifests: Manifest[],
  kind: string,
  name: string,
): T {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} among ${kinds(manifests).join(', ')}`);
  return found as T;
}

export function kinds(manifests: Manifest[]): string[] {
  return manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort();
}
