/**
 * Who is in a user group. Slack's user groups in production (slack/adapters/directory.ts);
 * the CLI without Slack knows users only.
 */
export interface Directory {
  /** User ids: user ids as given, user groups replaced by their members; other ids dropped. */
  expandUsers(ids: readonly string[]): Promise<string[]>;
  /** Whether `userId` is listed, or a member of a listed user group. */
  includesUser(ids: readonly string[], userId: string): Promise<boolean>;
}

export const isUserGroupId = (id: string) => /^S[A-Z0-9]+$/.test(id);
