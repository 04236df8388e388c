import type { ActivityDeps } from '../../activities/index.js';
import type { Config } from '../config/index.js';
import { ConfigError } from '../config/index.js';
import { parseDurationSeconds } from '../domain/duration.js';
import { DEFAULT_PROBE, type ProbeSettings } from '../domain/verification-pod.js';

/** The fleet file's `verification` section as the worker's activities take it. */
export function verificationProbe(config: Pick<Config, 'fleet'>): ProbeSettings | undefined {
  const v = config.fleet.verification;
  if (v?.pod === false) return undefined;
  let deadlineSeconds = DEFAULT_PROBE.deadlineSeconds;
  if (v?.probeDeadline !== undefined) {
    try {
      deadlineSeconds = parseDurationSeconds(String(v.probeDeadline));
    } catch (err) {
      throw new ConfigError(`fleet file: verification.probeDeadline: ${(err as Error).message}`);
    }
    if (deadlineSeconds < 10) throw new ConfigError('fleet file: verification.probeDeadline: at least 10s');
  }
  return {
    image: v?.probeImage ?? DEFAULT_PROBE.image,
    command: v?.probeCommand ?? DEFAULT_PROBE.command,
    deadlineSeconds,
  };
}

/** What the worker's activities need from configuration for verification pods and fleet-wide reads. */
export function verificationDeps(
  config: Pick<Config, 'fleet'>,
): Pick<ActivityDeps, 'verificationProbe' | 'fleetClusters'> {
  const probe = verificationProbe(config);
  return {
    ...(probe === undefined ? {} : { verificationProbe: probe }),
    fleetClusters: config.fleet.clusters.map((c) => c.name),
  };
}
