import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../../deps.js';
import { appHomeOpened } from './app-home.js';

export function register(app: App, deps: ListenerDeps): void {
  app.event('app_home_opened', appHomeOpened(deps));
}
