import type { Config } from '../config/index.js';
import { NotAllowedError } from '../domain/errors.js';
import { namesOnlyDirectory } from '../access/names-directory.js';
import type { AccessPolicy } from '../domain/access-policy.js';
import type { Directory } from '../ports/directory.js';
import { createSlackDirectory } from '../../slack/adapters/directory.js';
import { createSlackWebClient } from '../../slack/adapters/web-client.js';

/**
 * Who the CLI acts as, and under which policy.
 *
 * On the sandbox the CLI is a local tool and stays open: `--as` names anyone. Against
 * `mode: aws` it follows the access policy, as the identity the local (OS) user maps to in
 * its `cli.users` (else the OS user name); `--as` may only repeat that identity. This
 * guards against mistakes, not malice: whoever holds the Temporal and AWS credentials the
 * CLI uses can bypass it (another OS user name, the Temporal CLI, the AWS console).
 */
export type CliAccess =
  | { mode: 'open'; identity: (as?: string) => string; policy?: AccessPolicy }
  | { mode: 'policy'; identity: (as?: string) => string; policy: AccessPolicy; directory: Directory };

export function cliAccess(config: Config, osUser: string): CliAccess {
  const policy = config.accessPolicy?.policy;
  if (config.fleet.mode === 'sandbox') {
    return { mode: 'open', identity: (as) => as ?? osUser, ...(policy && { policy }) };
  }
  if (!policy) {
    throw new NotAllowedError(
      'mode: aws: the CLI follows the access policy, and none is configured: set MIGRATE_IDENTITY_ACCESS_POLICY ' +
        '(or accessPolicy in the fleet file); see access-policy.example.yaml',
    );
  }
  const local = policy.cliUsers[osUser] ?? osUser;
  return {
    mode: 'policy',
    policy,
    directory: config.slack ? createSlackDirectory(createSlackWebClient(config.slack)) : namesOnlyDirectory(),
    identity: (as) => {
      if (as !== undefined && as !== local) {
        throw new NotAllowedError(
          `--as ${as}: under mode: aws this machine's user ${osUser} acts as ${local} (access policy cli.users), and only as ${local}`,
        );
      }
      return local;
    },
  };
}
