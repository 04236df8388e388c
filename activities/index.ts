import type { ActivityDeps } from './deps.js';
import { eksActivities } from './eks.js';
import { withTypedFailures } from './failures.js';
import { kubernetesActivities } from './kubernetes.js';
import { notifyActivities } from './notify.js';
import { preflightActivities } from './preflight.js';
import { trustActivities } from './trust.js';
import type { Activities } from './types.js';
import { verifyActivities } from './verify.js';

export type { ActivityDeps } from './deps.js';
export type { Activities } from './types.js';

/** Plain async functions over the ports; errors leave as typed Temporal failures. */
export function createActivities(deps: ActivityDeps): Activities {
  return withTypedFailures({
    ...preflightActivities(deps),
    ...trustActivities(deps),
    ...eksActivities(deps),
    ...kubernetesActivities(deps),
    ...verifyActivities(deps),
    ...notifyActivities(deps),
  } satisfies Activities);
}
