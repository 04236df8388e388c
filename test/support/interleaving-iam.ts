import { Context } from '@temporalio/activity';
import type { IamPort } from '../../src/ports/iam.js';

/**
 * IAM whose reads outside preflight wait (up to `timeoutMs`) for a second one while
 * `toggle.enabled`, so two migrations writing one role read it before either writes: the
 * race a per-role lock must prevent. Under the lock, reads never meet and each just waits
 * out the timeout.
 */
export function interleavingIam(iam: IamPort, toggle: { enabled: boolean }, timeoutMs = 1000): IamPort {
  let waiting: (() => void)[] = [];
  return {
    ...iam,
    async getRole(roleName) {
      let activity = '';
      try {
        activity = Context.current().info.activityType;
      } catch {
        // Not called from an activity.
      }
      if (toggle.enabled && activity !== '' && !activity.startsWith('preflight')) {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length >= 2) {
            for (const release of waiting) release();
            waiting = [];
          } else {
            setTimeout(() => {
              waiting = waiting.filter((r) => r !== resolve);
              resolve();
            }, timeoutMs);
          }
        });
      }
      return iam.getRole(roleName);
    },
  };
}
