import type { App, BlockButtonAction } from '@slack/bolt';
import type { ListenerDeps } from '../../deps.js';
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from '../../views/approval-message.js';
import { approvalAction } from './approval.js';
import { observationAction } from './observation.js';
import { END_OBSERVATION_ACTION_ID, ROLLBACK_ACTION_ID } from '../../views/observation.js';

export function register(app: App, deps: ListenerDeps): void {
  const listener = approvalAction(deps);
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: APPROVE_ACTION_ID }, listener);
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: REJECT_ACTION_ID }, listener);
  const observation = observationAction(deps);
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: ROLLBACK_ACTION_ID }, observation);
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: END_OBSERVATION_ACTION_ID }, observation);
}
