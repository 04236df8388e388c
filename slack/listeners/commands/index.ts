import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../../deps.js';
import { COMMAND } from '../../views/command-replies.js';
import { migrateIdentityCommand } from './migrate-identity.js';

export function register(app: App, deps: ListenerDeps): void {
  app.command(COMMAND, migrateIdentityCommand(deps));
}
