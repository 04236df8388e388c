import type { MigrationState } from '../domain/migration-state.js';

/**
 * One event the workflow reports. The notifier renders it (console line, Slack thread
 * reply, parent message update). `state` is the full state after the event.
 */
export interface MigrationEvent {
  kind:
    | 'started'
    | 'preflight'
    | 'step'
    | 'approval-requested'
    | 'approval-reminder'
    | 'decision'
    | 'rollback-step'
    | 'finished';
  /** One human line, e.g. `sandbox-a: association a-1 created`. */
  text: string;
  cluster?: string;
  state: MigrationState;
}

export interface NotifyResult {
  /** Set when the notifier could not deliver: recorded as a warning, never a failure. */
  warning?: string;
  /** Slack: the parent message ts once posted, so later events thread under it. */
  threadTs?: string;
}

export interface NotifierPort {
  notify(event: MigrationEvent): Promise<NotifyResult>;
}
