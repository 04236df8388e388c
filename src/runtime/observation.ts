import type { Config } from '../config/index.js';
import { ConfigError } from '../config/index.js';
import { parseDurationSeconds } from '../domain/duration.js';
import type { ObservationOptions } from '../domain/observation.js';

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
