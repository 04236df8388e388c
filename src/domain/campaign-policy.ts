/**
 * The fleet policy slices and campaigns follow: which clusters are production, which one
 * is the canary, and namespaces pinned to a wave or kept on IRSA. Optional: without one,
 * names decide what is production and nothing is pinned or kept. Who may start and approve
 * is the access policy's (src/domain/access-policy.ts).
 */

export interface NamespaceRule {
  /** Namespace patterns; `*` matches any run of characters (`payments-*`, `*`). */
  match: string[];
  /** Keep these namespaces on IRSA: slices leave them out, with `reason`. */
  keepIrsa?: boolean;
  /** Put these namespaces in this wave, whatever their blast radius (1 = first). */
  wave?: number;
  /** Shown next to what the rule does. */
  reason?: string;
}

export interface CampaignPolicy {
  /** Cluster patterns counted as production. Unset: clusters whose name has a `prod` part. */
  production?: string[];
  /** Migrated first in every service account that runs there. */
  canary?: string;
  /** Read top to bottom; the first rule matching a namespace applies. */
  namespaces: NamespaceRule[];
}

export const NO_POLICY: CampaignPolicy = { namespaces: [] };

/** `*` matches any run of characters, nothing else is special. */
export function matchesPattern(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`);
  return regex.test(value);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function namespaceRule(policy: CampaignPolicy, namespace: string): NamespaceRule | undefined {
  return policy.namespaces.find((rule) => rule.match.some((pattern) => matchesPattern(pattern, namespace)));
}

const PROD_NAME = /(^|[-_.])prod(uction)?($|[-_.\d])/i;

/** Whether a cluster counts as production, and why. */
export function productionOf(policy: CampaignPolicy, cluster: string): { production: boolean; by: 'policy' | 'name' } {
  if (policy.production) {
    return { production: policy.production.some((p) => matchesPattern(p, cluster)), by: 'policy' };
  }
  return { production: PROD_NAME.test(cluster), by: 'name' };
}
