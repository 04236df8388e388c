import type { z } from 'zod';

/** A configuration problem; the message names the bad field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function formatZodIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}
