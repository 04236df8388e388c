export { migrationWorkflow } from './migration.js';
export { planWorkflow } from './plan.js';
