/**
 * Block Kit types, taken from the `@slack/types` that Bolt re-exports so the views
 * need no package of their own.
 */
import type { types } from '@slack/bolt';

export type KnownBlock = types.KnownBlock;
export type ModalView = types.ModalView;
export type Button = types.Button;
export type PlainTextOption = types.PlainTextOption;
export type InputBlock = types.InputBlock;

/** What every message builder returns: blocks plus the notification/fallback text. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}
