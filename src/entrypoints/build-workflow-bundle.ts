import { DefaultLogger } from '@temporalio/worker';
import { relative } from 'node:path';
import { bundleWorkflows } from '../temporal/worker.js';
import {
  PREBUILT_BUNDLE_PATH,
  readPrebuiltBundle,
  workflowSourcesHash,
  writePrebuiltBundle,
} from '../temporal/workflow-bundle.js';

/**
 * `npm run build:workflows` (and the image build): the workflow bundle in dist/, so the worker
 * starts without bundling. A current bundle is left as it is; a stale one is rebuilt.
 */
async function run(): Promise<void> {
  const where = relative(process.cwd(), PREBUILT_BUNDLE_PATH) || PREBUILT_BUNDLE_PATH;
  const sourcesHash = workflowSourcesHash();
  if (readPrebuiltBundle(PREBUILT_BUNDLE_PATH, sourcesHash)) {
    console.log(`workflow bundle current: ${where}`);
    return;
  }
  const started = performance.now();
  writePrebuiltBundle(PREBUILT_BUNDLE_PATH, sourcesHash, await bundleWorkflows({ logger: new DefaultLogger('WARN') }));
  console.log(`workflow bundle built in ${((performance.now() - started) / 1000).toFixed(1)} s: ${where}`);
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
