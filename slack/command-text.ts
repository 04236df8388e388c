/**
 * The manifest sets `should_escape: true`, so Slack sends `@alice` as `<@U123|alice>`, a user
 * group as `<!subteam^S123|@team>`, a channel as `<#C123|name>` and a link as `<https://…|…>`.
 * Turning those back into ids lets `--approvers @alice,@platform` work, and `&amp;` etc.
 * come back as typed.
 */
export function unescapeCommandText(text: string): string {
  return text
    .replace(/<@([UW][A-Z0-9]+)(\|[^>]*)?>/g, '$1')
    .replace(/<!subteam\^(S[A-Z0-9]+)(\|[^>]*)?>/g, '$1')
    .replace(/<#([CG][A-Z0-9]+)(\|[^>]*)?>/g, '$1')
    .replace(/<((?:https?|mailto):[^|>]+)(\|[^>]*)?>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
