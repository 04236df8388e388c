/**
 * Output of commands run in pods (and anything else echoed to Slack or the CLI) may carry
 * credentials: a probe that prints its environment, an error with a session token. What
 * looks like one is replaced before anyone sees it. Every pattern is linear in the text.
 */

export const REDACTED = '[redacted]';

const ACCESS_KEY_ID = /\b(?:AKIA|ASIA|AROA|AIDA|AGPA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{16}\b/g;
const SLACK_TOKEN = /\bxox[abposr]-[A-Za-z0-9-]+/g;
const BEARER = /\b(Bearer)\s{1,4}[^\s"',;]+/gi;
// `aws_secret_access_key = …`, `"SessionToken": "…"`, `password: …`
// (bounded repeats: an unbounded `[\w-]*` would rescan long words from every `token` in them)
const KEY_VALUE =
  /((?:secret|token|password|passwd|credential|private[_-]?key)[\w-]{0,40}["']?\s{0,4}[:=]\s{0,4}["']?)[^\s"',;]{8,}/gi;
// Runs of base64 characters: an AWS secret key is exactly 40, session tokens run to hundreds.
const BASE64_RUN = /[A-Za-z0-9/+=]{40,}/g;

function looksSecret(run: string): boolean {
  if (run.length >= 100) return true;
  // 40 characters in mixed case: a secret access key (a SHA-1 in hex is one case only).
  return run.length === 40 && /[a-z]/.test(run) && /[A-Z]/.test(run);
}

/** The text with anything that looks like a credential replaced by [redacted]. */
export function redactSecrets(text: string): string {
  return text
    .replace(KEY_VALUE, (_match, key: string) => `${key}${REDACTED}`)
    .replace(BEARER, (_match, word: string) => `${word} ${REDACTED}`)
    .replace(SLACK_TOKEN, REDACTED)
    .replace(ACCESS_KEY_ID, REDACTED)
    .replace(BASE64_RUN, (run) => (looksSecret(run) ? REDACTED : run));
}

/** At most `max` characters, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Command output as users see it: redacted first (so a cut cannot hide a secret's start), then clipped. */
export function shownOutput(text: string, max = 500): string {
  return clip(redactSecrets(text.trim()), max);
}
