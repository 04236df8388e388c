import { ValidationError } from '../../src/domain/errors.js';
import { parseClusterList, parseServiceAccountRef } from '../../src/domain/names.js';
import { parseFlags } from '../../src/start-request/args.js';
import { diagnoseInputFor } from '../../src/temporal/diagnoses.js';
import type { ListenerDeps } from '../deps.js';
import type { SlackMessage } from '../views/block-kit.js';
import { errorReply } from '../views/command-replies.js';
import { diagnosisReply, diagnosisStartedReply } from '../views/diagnosis.js';

export const DIAGNOSE_USAGE = 'diagnose <namespace>/<service-account> [--clusters a,b] [--no-pod]';

/**
 * `/migrate-identity diagnose <ns>/<sa>`: starts the diagnosis and answers at once; the
 * matrix comes as a second answer on the same response_url once the run finishes
 * (`followUp`, which the listener awaits after it has replied, never before the ack).
 */
export async function startDiagnosis(
  deps: ListenerDeps,
  args: string[],
  requestedBy: string,
): Promise<{ reply: SlackMessage; followUp?: Promise<SlackMessage> }> {
  if (!deps.diagnoses) return { reply: errorReply('diagnoses are not available in this deployment') };
  const { positionals, flags } = parseFlags(args, { values: ['clusters'], booleans: ['no-pod'] });
  if (positionals.length !== 1) throw new ValidationError(`usage: ${DIAGNOSE_USAGE}`);
  const serviceAccount = parseServiceAccountRef(positionals[0] ?? '');
  const known = deps.fleet.clusters.map((c) => c.name);
  const clusters = typeof flags.clusters === 'string' ? parseClusterList(flags.clusters, known) : undefined;
  const input = diagnoseInputFor(
    { fleet: deps.fleet },
    { serviceAccount, requestedBy, ...(clusters ? { clusters } : {}), verificationPod: flags['no-pod'] !== true },
  );
  const diagnoses = deps.diagnoses;
  const run = await diagnoses.start(input);
  const name = `${serviceAccount.namespace}/${serviceAccount.name}`;
  return {
    reply: diagnosisStartedReply(name, input.clusters, run.url),
    followUp: diagnoses.result(run).then(
      (diagnosis) => diagnosisReply(diagnosis, run.url),
      (err: unknown) => errorReply(`diagnosis of ${name} failed: ${err instanceof Error ? err.message : String(err)}`),
    ),
  };
}
