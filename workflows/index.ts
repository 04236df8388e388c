export { migrationWorkflow } from './migration/workflow.js';
export { planWorkflow } from './plan.js';
export { roleLockWorkflow } from './role-lock.js';
export { scanWorkflow } from './scan/workflow.js';
export { campaignWorkflow } from './campaign/workflow.js';
export { diagnoseWorkflow } from './diagnose/workflow.js';
