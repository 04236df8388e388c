import type { NativeConnection } from '@temporalio/worker';
import { bundleWorkflowCode, Worker, type Logger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import type { Configuration } from 'webpack';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import { lastScheduledScanKeysFromActivity, runningMigrationsFromActivity } from './scans.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

/** Our sources import `./x.js` that is `./x.ts` on disk (NodeNext ESM): teach webpack the same. */
function webpackConfigHook(config: Configuration): Configuration {
  config.resolve = { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } };
  return config;
}

/** Bundling takes seconds: tests bundle once and share it. */
export function bundleWorkflows(options: { logger?: Logger } = {}): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, webpackConfigHook, logger: options.logger });
}

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** 0 disables the sticky cache: every workflow task replays history (tests of worker loss). */
  maxCachedWorkflows?: number;
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
    ...(options.maxCachedWorkflows !== undefined && { maxCachedWorkflows: options.maxCachedWorkflows }),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { webpackConfigHook } }),
  });
}
