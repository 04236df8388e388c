import type { App, ViewSubmitAction } from '@slack/bolt';
import type { ListenerDeps } from '../../deps.js';
import { START_MODAL_CALLBACK_ID } from '../../views/start-modal.js';
import { startMigrationSubmission } from './start-migration.js';

export function register(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(
    { callback_id: START_MODAL_CALLBACK_ID, type: 'view_submission' },
    startMigrationSubmission(deps),
  );
}
