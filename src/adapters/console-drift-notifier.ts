import type { DriftNotifierPort, DriftPost } from '../ports/drift-notifier.js';

/** New drift as log lines: one headline, then one line per finding. */
export function createConsoleDriftNotifier(write: (line: string) => void): DriftNotifierPort {
  return {
    postNewDrift(post: DriftPost) {
      write(`[drift] scan ${post.workflowId}: ${post.newFindings.length} new finding(s)`);
      for (const f of post.newFindings) write(`[drift] ${f.severity}: ${f.message}`);
      return Promise.resolve({});
    },
  };
}

/** Every notifier gets the post; their warnings are joined. */
export function combineDriftNotifiers(notifiers: readonly DriftNotifierPort[]): DriftNotifierPort {
  return {
    async postNewDrift(post: DriftPost) {
      const results = await Promise.all(
        notifiers.map((n) => n.postNewDrift(post).catch((err: unknown) => ({ warning: (err as Error).message }))),
      );
      const warnings = results.flatMap((r) => (r.warning ? [r.warning] : []));
      return warnings.length ? { warning: warnings.join('; ') } : {};
    },
  };
}
