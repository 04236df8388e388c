import type { PolicyDocument, PolicyStatement } from '../../domain/types.js';

/**
 * Decodes a policy document as IAM returns it: URL-encoded JSON (RFC 3986). IAM also
 * accepts a single statement object where the domain expects a list, so it is wrapped.
 * Throws on anything that is not a policy document.
 */
export function decodePolicyDocument(encoded: string): PolicyDocument {
  const parsed: unknown = JSON.parse(decodeURIComponent(encoded));
  if (typeof parsed !== 'object' || parsed === null || !('Statement' in parsed)) {
    throw new Error('not a policy document: no Statement');
  }
  const { Statement: statement, ...rest } = parsed as { Statement: unknown } & Omit<PolicyDocument, 'Statement'>;
  if (typeof statement !== 'object' || statement === null) {
    throw new Error('not a policy document: Statement is neither an object nor a list');
  }
  return { ...rest, Statement: (Array.isArray(statement) ? statement : [statement]) as PolicyStatement[] };
}
