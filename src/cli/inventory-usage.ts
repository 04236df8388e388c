/** `inventory` and `drift`'s usage, apart from their code so `--help` and `status` load none of it. */
export const INVENTORY_USAGE = `  inventory [--clusters a,b] [--namespace <ns>] [--json|--csv]
  inventory schedule [--every <duration>] | inventory schedule --delete
  drift [--clusters a,b] [--namespace <ns>] [--json]`;
