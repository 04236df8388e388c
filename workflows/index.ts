export { migrationWorkflow } from './migration/workflow.js';
export { planWorkflow } from './plan.js';
