import { ValidationError } from './errors.js';

const UNITS = [
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
] as const;

// Units in descending order, each at most once: `1h30m`, `7d`, `45s`.
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** `0`, `45` (seconds), `30s`, `5m`, `24h`, `7d`, `1h30m`. */
export function parseDurationSeconds(text: string): number {
  const trimmed = text.trim();
  const fail = (): never => {
    throw new ValidationError(
      `duration "${trimmed}" is not valid: use seconds (45) or units d, h, m, s in that order (30s, 5m, 24h, 7d, 1h30m)`,
      'duration',
    );
  };
  if (/^\d+$/.test(trimmed)) return checked(Number(trimmed), trimmed);
  const match = DURATION.exec(trimmed);
  if (trimmed === '' || !match) return fail();
  const seconds = UNITS.reduce((total, [, factor], index) => total + Number(match[index + 1] ?? 0) * factor, 0);
  return checked(seconds, trimmed);
}

function checked(seconds: number, text: string): number {
  if (!Number.isSafeInteger(seconds)) throw new ValidationError(`duration "${text}" is too large`, 'duration');
  return seconds;
}

/** The shortest `parseDurationSeconds` form: `0s`, `45s`, `5m`, `1h30m`, `7d`. */
export function formatDuration(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new ValidationError(`duration ${seconds} must be a whole, non-negative number of seconds`, 'duration');
  }
  if (seconds === 0) return '0s';
  let rest = seconds;
  let text = '';
  for (const [unit, factor] of UNITS) {
    const count = Math.floor(rest / factor);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * factor;
  }
  return text;
}
