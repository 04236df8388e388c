import { isUserGroupId, type Directory } from '../../src/ports/directory.js';
import type { WebClient } from './web-client.js';
import { describeSlackError, withSlackRetry, type SlackRetryOptions } from './retry.js';

/** The directory port over Slack: user groups (S…) resolved to their members, cached for a while. */
export type SlackDirectory = Directory;

export { isUserGroupId };
export const isUserId = (id: string) => /^[UW][A-Z0-9]+$/.test(id);

interface Entry {
  at: number;
  users: Promise<string[]>;
}

export function createSlackDirectory(
  client: WebClient,
  options: { ttlMs?: number; now?: () => number; retry?: SlackRetryOptions } = {},
): SlackDirectory {
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, Entry>();

  async function fetchMembers(group: string): Promise<string[]> {
    const result = await withSlackRetry(() => client.usergroups.users.list({ usergroup: group }), options.retry);
    return result.users ?? [];
  }

  function members(group: string): Promise<string[]> {
    const cached = cache.get(group);
    if (cached && now() - cached.at < ttlMs) return cached.users;
    // One request per group at a time; a failed refresh falls back to what was known.
    const users = fetchMembers(group).catch(async (err: unknown) => {
      if (cached) {
        const stale = await cached.users.catch(() => undefined);
        if (stale) return stale;
      }
      cache.delete(group);
      throw new Error(`could not resolve Slack user group ${group}: ${describeSlackError(err)}`, { cause: err });
    });
    cache.set(group, { at: now(), users });
    return users;
  }

  return {
    async expandUsers(ids) {
      const out: string[] = [];
      for (const id of ids) {
        const users = isUserGroupId(id) ? await members(id) : isUserId(id) ? [id] : [];
        for (const u of users) if (!out.includes(u)) out.push(u);
      }
      return out;
    },
    async includesUser(ids, userId) {
      if (ids.includes(userId)) return true;
      for (const id of ids.filter(isUserGroupId)) {
        if ((await members(id)).includes(userId)) return true;
      }
      return false;
    },
  };
}
