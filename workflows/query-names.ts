/**
 * Query names the CLI also sends over Temporal's HTTP API, where it loads no SDK: the
 * definitions in messages.ts take their names from here.
 */
export const STATE_QUERY_NAME = 'state';
