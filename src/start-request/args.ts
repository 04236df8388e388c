import { ValidationError } from '../domain/errors.js';

/** Splits a command line the way a shell would for simple cases: whitespace, '…' and "…" quotes. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quote: '"' | "'" | null = null;
  let started = false;
  // Slack turns typed quotes into curly ones.
  const normalized = text.replace(/[“”]/g, '"').replace(/[‘’]/g, "'");
  for (const ch of normalized) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started || current) tokens.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
    }
  }
  if (quote) throw new ValidationError(`unterminated ${quote} quote`);
  if (started || current) tokens.push(current);
  return tokens;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | true>;
}

/** `--name value`, `--name=value`, boolean `--name`. Unknown flags are an error naming them. */
export function parseFlags(
  tokens: string[],
  spec: { values: readonly string[]; booleans: readonly string[] },
): ParsedArgs {
  const positionals: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    if (!token.startsWith('--')) {
      positionals.push(token);
      continue;
    }
    const [rawName, inline] = token.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (spec.booleans.includes(rawName)) {
      if (inline !== undefined) throw new ValidationError(`--${rawName} takes no value`);
      flags[rawName] = true;
    } else if (spec.values.includes(rawName)) {
      const value = inline ?? tokens[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) {
        throw new ValidationError(`--${rawName} needs a value`);
      }
      flags[rawName] = value;
    } else {
      const known = [...spec.values, ...spec.booleans].map((n) => `--${n}`).join(', ');
      throw new ValidationError(`unknown option --${rawName} (known: ${known})`);
    }
  }
  return { positionals, flags };
}
