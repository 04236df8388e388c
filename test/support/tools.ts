import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where scripts/provision-test-deps.sh caches binaries (never inside the repo). */
export function cacheDir(): string {
  return process.env.MIGRATE_IDENTITY_CACHE ?? join(homedir(), '.cache', 'migrate-identity');
}

/**
 * A test binary: the path in `variable` if set, else the provisioned one in the cache,
 * else undefined (the Temporal SDK then downloads its own, which needs internet).
 */
export function toolPath(variable: string, cached: string): string | undefined {
  const fromEnv = process.env[variable];
  if (fromEnv) return fromEnv;
  const path = join(cacheDir(), cached);
  return existsSync(path) ? path : undefined;
}
