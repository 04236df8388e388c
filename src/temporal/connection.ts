import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { ConfigError } from '../config/errors.js';
import type { Config } from '../config/index.js';

/** What `Connection.connect` and `NativeConnection.connect` both take to reach the server. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

function read(path: string, variable: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`configuration: ${variable}: cannot read ${path}: ${(err as Error).message}`);
  }
}

/**
 * The one way every process (worker, bot, CLI, health check) connects: plaintext for the
 * local dev server; TLS, with a client certificate (mTLS, Temporal Cloud or self-hosted)
 * and/or an API key (Temporal Cloud) when configured. Certificates are read here, at
 * connect time, so a rotated Secret is picked up by the next connection.
 */
export function temporalConnectionOptions(temporal: Config['temporal']): TemporalConnectionOptions {
  const { address, tls, apiKey } = temporal;
  if (!tls) return { address, ...(apiKey ? { apiKey } : {}) };
  const config: TLSConfig = {
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    ...(tls.serverCaCertPath
      ? { serverRootCACertificate: read(tls.serverCaCertPath, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH') }
      : {}),
    ...(tls.clientCertPath && tls.clientKeyPath
      ? {
          clientCertPair: {
            crt: read(tls.clientCertPath, 'TEMPORAL_TLS_CLIENT_CERT_PATH'),
            key: read(tls.clientKeyPath, 'TEMPORAL_TLS_CLIENT_KEY_PATH'),
          },
        }
      : {}),
  };
  return { address, tls: config, ...(apiKey ? { apiKey } : {}) };
}
