import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alikes). */
const KUBE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function pick(bytes: Uint8Array, alphabet: string): string {
  let out = '';
  for (const byte of bytes) out += alphabet.charAt(byte % alphabet.length);
  return out;
}

function digest(seed: string): Uint8Array {
  return createHash('sha256').update(seed).digest();
}

export function newUid(): string {
  return randomUUID();
}

export function newAssociationId(): string {
  return `a-${pick(randomBytes(17), LOWER_ALNUM)}`;
}

export function podSuffix(): string {
  return pick(randomBytes(5), KUBE_ALPHABET);
}

/** Stable per template revision, like a ReplicaSet's pod-template-hash. */
export function templateHash(seed: string): string {
  return pick(digest(seed).subarray(0, 10), KUBE_ALPHABET);
}

/** Stable uppercase hex, e.g. for an OIDC issuer id. */
export function stableHex(seed: string, length: number): string {
  return Buffer.from(digest(seed)).toString('hex').slice(0, length).toUpperCase();
}

/** Stable IAM unique id, e.g. `AROA…` for a role. */
export function stableIamId(prefix: string, seed: string): string {
  return prefix + pick(digest(seed).subarray(0, 17), UPPER_ALNUM);
}
