/** `diagnose <ns>/<sa>`: the troubleshooting matrix, run as a workflow on the worker that reaches the fleet. */
import type { Config } from '../config/index.js';
import { ValidationError } from '../domain/errors.js';
import { parseClusterList, parseRoleArn, parseServiceAccountRef } from '../domain/names.js';
import { connectClient } from '../runtime/client.js';
import { parseFlags } from '../start-request/args.js';
import { diagnoseInputFor, DiagnoseService } from '../temporal/diagnoses.js';
import { renderDiagnosis } from './diagnose-render.js';
import type { CliIo } from './io.js';
import { jsonOutput } from './render.js';

/** Exit 1 when any check fails, 0 otherwise (warnings included). */
export async function runDiagnoseCommand(
  config: Config,
  args: string[],
  io: CliIo,
  requestedBy: string,
): Promise<number> {
  const { positionals, flags } = parseFlags(args, { values: ['clusters', 'role'], booleans: ['json', 'no-pod'] });
  if (positionals.length !== 1) throw new ValidationError('diagnose takes one <namespace>/<service-account>');
  const serviceAccount = parseServiceAccountRef(positionals[0] ?? '');
  const known = config.fleet.clusters.map((c) => c.name);
  const clusters = typeof flags.clusters === 'string' ? parseClusterList(flags.clusters, known) : undefined;
  const roleArn = typeof flags.role === 'string' ? flags.role : undefined;
  if (roleArn !== undefined) parseRoleArn(roleArn);
  const input = diagnoseInputFor(config, {
    serviceAccount,
    requestedBy,
    ...(clusters ? { clusters } : {}),
    ...(roleArn ? { roleArn } : {}),
    verificationPod: flags['no-pod'] !== true,
  });
  const { client, close } = await connectClient(config);
  try {
    const { taskQueue, uiUrl, namespace } = config.temporal;
    const { run, diagnosis } = await new DiagnoseService(client, taskQueue, uiUrl, namespace).diagnose(input);
    io.out(flags.json ? jsonOutput({ ...diagnosis, url: run.url }) : renderDiagnosis(diagnosis, run.url));
    return diagnosis.summary.fail > 0 ? 1 : 0;
  } finally {
    await close();
  }
}
