import type { ServiceAccountRef } from './types.js';

export const WORKFLOW_ID_PREFIX = 'migrate-identity';

/** One running migration per service account: the id is derived from it. */
export function workflowIdFor(sa: ServiceAccountRef): string {
  return `${WORKFLOW_ID_PREFIX}/${sa.namespace}/${sa.name}`;
}

export function planWorkflowIdFor(sa: ServiceAccountRef, nonce: string): string {
  return `${WORKFLOW_ID_PREFIX}-plan/${sa.namespace}/${sa.name}/${nonce}`;
}
