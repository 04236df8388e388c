/** The campaign commands' usage, apart from their code so `--help` loads none of it. */
import { CAMPAIGN_USAGE } from '../start-request/campaign.js';

export const CAMPAIGN_CLI_USAGE = `  slices [--clusters a,b] [--namespace <ns>] [--policy <file>] [--json]
  campaign plan [--clusters a,b] [--policy <file>] ${CAMPAIGN_USAGE} [--json]
  campaign start (same as plan; --waves, --namespaces or --service-accounts required) [--as <user>] [--json]
  campaign status <id> [--json] | approve <id> --as <user> [--wave N] [--reason <text>]
  campaign pause|resume <id> [--as <user>] | abort <id> [--as <user>] [--reason <text>]`;
