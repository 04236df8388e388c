export { migrationWorkflow } from './migration/workflow.js';
export { planWorkflow } from './plan.js';
export { scanWorkflow } from './scan/workflow.js';
export { diagnoseWorkflow } from './diagnose/workflow.js';
