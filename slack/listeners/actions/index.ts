import type { App, BlockButtonAction } from '@slack/bolt';
import type { ListenerDeps } from '../../deps.js';
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from '../../views/approval-message.js';
import { approvalAction } from './approval.js';

export function register(app: App, deps: ListenerDeps): void {
  const listener = approvalAction(deps);
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: APPROVE_ACTION_ID }, listener);
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: REJECT_ACTION_ID }, listener);
}
