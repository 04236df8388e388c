export type { SandboxFleet, SandboxOptions } from './fleet.js';
export { createSandboxFleet } from './fleet.js';
export type { SandboxControl } from './control.js';
export type { SandboxCloudTrailControl } from './cloudtrail.js';
export type { TrafficProfile } from './cloudtrail-traffic.js';
export type { EssentialSnapshot } from './essentials.js';
export type { Fault, FaultKind, FaultStep } from './faults.js';
export { FAULT_KINDS, FAULT_STEPS, faultRefusal, isFaultKind, isFaultStep, normalizeFault } from './faults.js';
export type { ClusterSpec, PodSpec, RoleSpec, WorkloadSpec } from './fixtures.js';
export { emptyFleet } from './fixtures.js';
export {
  AGENT_ADDON,
  irsaTrustStatement,
  SEED_ACCOUNT,
  SEED_REGION,
  SEED_TIME,
  seedFleet,
  SHARED_ROLE,
  SHARED_ROLE_CLUSTERS,
  SHARED_ROLE_SERVICE_ACCOUNTS,
} from './seed.js';
export { credentialFacts, sandboxInvariantViolations } from './invariant.js';
export type { FleetState } from './state.js';
export type { CredentialPath } from './webhook.js';
export {
  credentialPath,
  IRSA_ANNOTATION,
  IRSA_TOKEN_FILE,
  POD_IDENTITY_TOKEN_FILE,
  POD_IDENTITY_URI,
} from './webhook.js';
