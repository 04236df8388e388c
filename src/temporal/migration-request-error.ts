/**
 * A user-facing refusal (already running, not found, refused decision): the message says why.
 * On its own so that the CLI's HTTP path reports it without loading the Temporal SDK.
 */
export class MigrationRequestError extends Error {
  override readonly name = 'MigrationRequestError';
  constructor(
    message: string,
    readonly code: 'already-running' | 'not-found' | 'refused',
    readonly workflowId?: string,
  ) {
    super(message);
  }
}
