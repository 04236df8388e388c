import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/index.js';
import { temporalConnectionOptions } from '../temporal/connection.js';

/**
 * A Temporal client, on its own so that the CLI's quick commands (status, list, approve…)
 * load the client SDK only, not the worker, the AWS SDK or the Kubernetes client.
 */
export async function connectClient(config: Config): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  return {
    client: new Client({ connection, namespace: config.temporal.namespace }),
    close: () => connection.close(),
  };
}
