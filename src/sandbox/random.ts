/** A small seeded generator (mulberry32): the same seed gives the same sequence, on every machine. */
export interface Random {
  /** In [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** One of `weights`' keys, each as likely as its weight. */
  weighted<K extends string>(weights: Record<K, number>): K;
  /** Lowercase letters and digits, like a Kubernetes name suffix. */
  suffix(length: number): string;
  uuid(): string;
}

const KUBE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A generator for `parts`: one per app or cluster, so adding one never shifts the others. */
export function random(...parts: (string | number)[]): Random {
  // FNV-1a over the parts, as the seed.
  let a = 0x811c9dc5;
  for (const char of parts.join('\u0000')) {
    a ^= char.charCodeAt(0);
    a = Math.imul(a, 0x01000193) >>> 0;
  }
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const hex = (length: number) => Array.from({ length }, () => int(16).toString(16)).join('');
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]) => items[int(items.length)] as T,
    weighted<K extends string>(weights: Record<K, number>): K {
      const entries = Object.entries(weights) as [K, number][];
      let roll = next() * entries.reduce((sum, [, w]) => sum + w, 0);
      for (const [key, weight] of entries) {
        roll -= weight;
        if (roll < 0) return key;
      }
      return (entries.at(-1) as [K, number])[0];
    },
    suffix: (length) => Array.from({ length }, () => KUBE_ALPHABET.charAt(int(KUBE_ALPHABET.length))).join(''),
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + int(4)).toString(16)}${hex(3)}-${hex(12)}`,
  };
}
