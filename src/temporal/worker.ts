import type { ActivityInterceptorsFactory, NativeConnection } from '@temporalio/worker';
import { bundleWorkflowCode, Worker, type Logger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Configuration } from 'webpack';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import { workflowSpanSinks } from '../observability/tracing.js';
import { lastScheduledScanKeysFromActivity, runningMigrationsFromActivity } from './scans.js';

/** The project root (its package.json): up from the source here, or from its compiled copy in dist/js. */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const PROJECT_ROOT = projectRoot();
/** The workflow sources: webpack bundles them from TypeScript, also when the worker runs compiled. */
export const WORKFLOWS_PATH = join(PROJECT_ROOT, 'workflows', 'index.ts');

/**
 * Workflow interceptors compiled into the bundle: OpenTelemetry's, which continue the
 * caller's trace in the workflow and carry it to each activity. They export their spans
 * through the `exporter` sink, which every worker registers (`workflowSpanSinks`).
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [
  createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

/** Our sources import `./x.js` that is `./x.ts` on disk (NodeNext ESM): teach webpack the same. */
function webpackConfigHook(config: Configuration): Configuration {
  config.resolve = { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } };
  return config;
}

/** Bundling takes seconds: tests bundle once and share it. Tests of replay bundle other workflow code. */
export function bundleWorkflows(
  options: { logger?: Logger; workflowsPath?: string } = {},
): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: options.workflowsPath ?? WORKFLOWS_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    webpackConfigHook,
    logger: options.logger,
  });
}

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** 0 disables the sticky cache: every workflow task replays history (tests of worker loss). */
  maxCachedWorkflows?: number;
  /** Metrics, logs and traces around each activity (src/observability). */
  activityInterceptors?: ActivityInterceptorsFactory[];
  /** Where workflow spans go; default: dropped (tracing off). */
  sinks?: ReturnType<typeof workflowSpanSinks>;
  /** On shutdown, how long in-flight activities may run on before they are cancelled (ms). */
  shutdownGraceMs?: number;
}

export async function createMigrationWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities({
      runningMigrations: runningMigrationsFromActivity,
      lastScheduledScanKeys: lastScheduledScanKeysFromActivity,
      ...options.deps,
    }),
    interceptors: {
      activity: options.activityInterceptors ?? [],
      // A prebuilt bundle has them already (bundleWorkflows); the SDK warns if given twice.
      ...(!options.workflowBundle && { workflowModules: WORKFLOW_INTERCEPTOR_MODULES }),
    },
    sinks: options.sinks ?? workflowSpanSinks(),
    ...(options.shutdownGraceMs !== undefined && {
      shutdownGraceTime: options.shutdownGraceMs,
      // Past the grace, cancelled activities get this long to confirm before the worker gives up.
      shutdownForceTime: options.shutdownGraceMs + 15_000,
    }),
    ...(options.maxCachedWorkflows !== undefined && { maxCachedWorkflows: options.maxCachedWorkflows }),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { webpackConfigHook } }),
  });
}
