import { ValidationError } from '../domain/errors.js';
import { isUserGroupId, type Directory } from '../ports/directory.js';

/** For the CLI without Slack: users are names, and a user group cannot be resolved. */
export function namesOnlyDirectory(): Directory {
  const refuseGroups = (ids: readonly string[]) => {
    const groups = ids.filter(isUserGroupId);
    if (groups.length) {
      throw new ValidationError(
        `user group ${groups.join(', ')} can be resolved only through Slack: set SLACK_BOT_TOKEN for the CLI too`,
      );
    }
  };
  return {
    expandUsers(ids) {
      refuseGroups(ids);
      return Promise.resolve([...ids]);
    },
    includesUser(ids, userId) {
      if (ids.includes(userId)) return Promise.resolve(true);
      refuseGroups(ids);
      return Promise.resolve(false);
    },
  };
}
