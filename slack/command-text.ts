/** Longer command text is refused before anything reads it. Slack's own editor stops far below. */
export const MAX_COMMAND_TEXT = 4000;

const isIdChar = (code: number) => (code >= 65 && code <= 90) || (code >= 48 && code <= 57); // A-Z, 0-9
const SCHEMES = ['https:', 'http:', 'mailto:'];
const ENTITY = /&(lt|gt|amp);/g;
const ENTITY_CHAR: Record<string, string> = { lt: '<', gt: '>', amp: '&' };

/** The id after `prefix` at `from` (e.g. `@` then U or W, then A-Z0-9), ending at `|` or `end`; else undefined. */
function idAt(text: string, from: number, end: number, prefix: string, first: string): string | undefined {
  if (!text.startsWith(prefix, from)) return undefined;
  const start = from + prefix.length;
  if (start >= end || !first.includes(text[start] ?? '')) return undefined;
  let i = start + 1;
  while (i < end && isIdChar(text.charCodeAt(i))) i++;
  if (i === start + 1 || (i < end && text[i] !== '|')) return undefined;
  return text.slice(start, i);
}

/**
 * The manifest sets `should_escape: true`, so Slack sends `@alice` as `<@U123|alice>`, a user
 * group as `<!subteam^S123|@team>`, a channel as `<#C123|name>` and a link as `<https://…|…>`.
 * Turning those back into ids lets `--approvers @alice,@platform` work, and `&amp;` etc.
 * come back as typed.
 *
 * One pass, left to right: each `<` is looked at once, against the next `>` and `|` found
 * (positions only move forward), so the time is linear in the text. Regular expressions
 * that rescan to the end from every `<http:` took seconds on 40,000 characters.
 */
export function unescapeCommandText(text: string): string {
  let out = '';
  let copied = 0;
  let nextGt = -2;
  let nextBar = -2;
  for (let i = text.indexOf('<'); i !== -1; i = text.indexOf('<', i + 1)) {
    if (nextGt !== -1 && nextGt <= i) nextGt = text.indexOf('>', i + 1);
    // No `>` from here on: no later `<` can close either.
    if (nextGt === -1) break;
    const end = nextGt;
    let replacement =
      idAt(text, i + 1, end, '@', 'UW') ??
      idAt(text, i + 1, end, '!subteam^', 'S') ??
      idAt(text, i + 1, end, '#', 'CG');
    if (replacement === undefined) {
      const scheme = SCHEMES.find((prefix) => text.startsWith(prefix, i + 1));
      if (scheme) {
        if (nextBar !== -1 && nextBar <= i) nextBar = text.indexOf('|', i + 1);
        const urlEnd = nextBar !== -1 && nextBar < end ? nextBar : end;
        if (urlEnd > i + 1 + scheme.length) replacement = text.slice(i + 1, urlEnd);
      }
    }
    if (replacement === undefined) continue;
    out += text.slice(copied, i) + replacement;
    copied = end + 1;
    i = end;
  }
  out += text.slice(copied);
  return out.replace(ENTITY, (_m, name: string) => ENTITY_CHAR[name] ?? '');
}
