import type { ActivityDeps } from '../../activities/index.js';
import type { Config } from '../config/index.js';
import { ConfigError } from '../config/index.js';
import { parseDurationSeconds } from '../domain/duration.js';
import type { ObservationOptions } from '../domain/observation.js';
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
): Pick<ActivityDeps, 'verificationProbe' | 'fleetClusters' | 'observationDefaults'> {
  const probe = verificationProbe(config);
  return {
    ...(probe === undefined ? {} : { verificationProbe: probe }),
    fleetClusters: config.fleet.clusters.map((c) => c.name),
    observationDefaults: observationDefaults(config),
  };
}

/**
 * The fleet file's `defaults.observe` and `defaults.observeEvery`. Without `observe`, a
 * sandbox fleet does not observe (a local tool: its runs are demos and tests; `--observe`
 * asks for it), and a real one takes OBSERVATION_DEFAULTS' 7 days.
 */
export function observationDefaults(config: Pick<Config, 'fleet'>): Partial<ObservationOptions> {
  const { observe, observeEvery } = config.fleet.defaults;
  const seconds = (field: string, value: string | number) => {
    try {
      return parseDurationSeconds(String(value));
    } catch (err) {
      throw new ConfigError(`fleet file: defaults.${field}: ${(err as Error).message}`);
    }
  };
  const out: Partial<ObservationOptions> = {};
  if (observe !== undefined) out.durationSeconds = seconds('observe', observe);
  else if (config.fleet.mode === 'sandbox') out.durationSeconds = 0;
  if (observeEvery !== undefined) {
    out.sampleSeconds = seconds('observeEvery', observeEvery);
    if (out.sampleSeconds <= 0) throw new ConfigError('fleet file: defaults.observeEvery: more than 0');
  }
  return out;
}
