import type { Logger } from '@slack/bolt';
import { NotAllowedError, ValidationError } from '../../src/domain/errors.js';
import { parseClusterList, parseServiceAccountRef } from '../../src/domain/names.js';
import { parseFlags } from '../../src/start-request/args.js';
import { diagnoseInputFor } from '../../src/temporal/diagnoses.js';
import { viewRefusal } from '../access.js';
import type { WebClient } from '../adapters/web-client.js';
import { entryFor, markAudited, recordRefusal, type SlackAsker } from '../audit.js';
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
  ctx: { logger: Logger; client: WebClient },
  args: string[],
  who: SlackAsker,
): Promise<{ reply: SlackMessage; followUp?: Promise<SlackMessage> }> {
  const { positionals, flags } = parseFlags(args, { values: ['clusters'], booleans: ['no-pod'] });
  if (positionals.length !== 1) throw new ValidationError(`usage: ${DIAGNOSE_USAGE}`);
  const serviceAccount = parseServiceAccountRef(positionals[0] ?? '');
  // A diagnosis reads the fleet (and runs the platform's own probe image, never a command of
  // the asker's): the access policy's viewers may ask for one, nobody without a policy.
  const refusal = await viewRefusal(deps, who.userId, who.channelId, {
    noun: 'diagnoses are',
    verb: 'diagnose service accounts',
  });
  if (refusal) {
    await recordRefusal(deps, ctx, `${serviceAccount.namespace}/${serviceAccount.name}`, {
      ...entryFor('view', who),
      refused: refusal,
    });
    const err = new NotAllowedError(refusal);
    markAudited(err);
    throw err;
  }
  if (!deps.diagnoses) return { reply: errorReply('diagnoses are not available in this deployment') };
  const requestedBy = who.userId;
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
