/** `diagnose`'s usage, apart from its code so `--help` loads none of it. */
export const DIAGNOSE_USAGE =
  '  diagnose <ns>/<sa> [--clusters a,b] [--role <arn>] [--no-pod] [--json]   exit 1 when a check fails';
