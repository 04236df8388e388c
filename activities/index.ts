import { cloudTrailActivities } from './cloudtrail.js';
import type { ActivityDeps } from './deps.js';
import { eksActivities } from './eks.js';
import { withTypedFailures } from './failures.js';
import { kubernetesActivities } from './kubernetes.js';
import { notifyActivities } from './notify.js';
import { preflightActivities } from './preflight.js';
import { restartVerifyActivities } from './restart-verify.js';
import { roleLockActivities } from './role-lock.js';
import { scanActivities } from './scan.js';
import { trustActivities } from './trust.js';
import { verifyActivities } from './verify.js';
import { verificationPodActivities } from './verification-pod.js';
import { roleReuseActivities } from './role-reuse.js';
import { diagnoseActivities } from './diagnose.js';
import { observationActivities } from './observation.js';

export type { ActivityDeps } from './deps.js';

/** Plain async functions over the ports; errors leave as typed Temporal failures. */
export function createActivities(deps: ActivityDeps) {
  return withTypedFailures({
    ...preflightActivities(deps),
    ...trustActivities(deps),
    ...roleLockActivities(),
    ...eksActivities(deps),
    ...kubernetesActivities(deps),
    ...verifyActivities(deps),
    ...restartVerifyActivities(deps),
    ...notifyActivities(deps),
    ...scanActivities(deps),
    ...cloudTrailActivities(deps),
    ...verificationPodActivities(deps),
    ...roleReuseActivities(deps),
    ...diagnoseActivities(deps),
    ...observationActivities(deps),
  });
}

/**
 * Every activity the workflows call, typed from the implementation. Workflows import this
 * type only; the worker registers `createActivities(deps)`.
 */
export type Activities = ReturnType<typeof createActivities>;
