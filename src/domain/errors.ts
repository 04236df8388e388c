/**
 * Bad input from a human (Slack form, CLI flag, fleet file). Never retryable: the
 * message is shown as is, so it names the value and what was expected.
 */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Refused for who is asking (the access policy), not for what they typed. */
export class NotAllowedError extends Error {
  override readonly name = 'NotAllowedError';
}
