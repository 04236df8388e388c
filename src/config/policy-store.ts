import type { AccessPolicy } from '../domain/access-policy.js';
import { loadAccessPolicyFile } from './access-policy.js';

/**
 * The access policy in force: loaded at start-up, reloaded on request (SIGHUP). A reload
 * that fails keeps the policy in force and says why. Runs already started keep the rule
 * they started under (it is in their input); only new requests see a reload.
 */
export class AccessPolicyStore {
  private policy: AccessPolicy | undefined;

  constructor(
    loaded: { path: string; policy: AccessPolicy } | undefined,
    private readonly fleetMode: 'sandbox' | 'aws',
  ) {
    this.policy = loaded?.policy;
    this.path = loaded?.path;
  }

  readonly path: string | undefined;

  current(): AccessPolicy | undefined {
    return this.policy;
  }

  /** Reads the file again. Returns what happened, in one line for the log. */
  reload(): { ok: boolean; message: string } {
    if (!this.path) return { ok: false, message: 'no access policy file is configured: nothing to reload' };
    try {
      this.policy = loadAccessPolicyFile(this.path, this.fleetMode);
      return { ok: true, message: `access policy reloaded from ${this.path}: ${this.policy.rules.length} rule(s)` };
    } catch (err) {
      return {
        ok: false,
        message: `access policy not reloaded, the previous one stays in force: ${(err as Error).message}`,
      };
    }
  }
}
