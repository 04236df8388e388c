import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createSecureServer, type Http2SecureServer, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { Connection } from '@temporalio/client';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { temporalConnectionOptions } from '../../src/temporal/connection.js';

const dir = mkdtempSync(join(tmpdir(), 'temporal-tls-'));
const file = (name: string) => join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA. */
function makeCertificates(): void {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-subj',
    '/CN=test-ca',
    '-days',
    '1',
  );
  for (const [name, cn, ext] of [
    ['server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    ['client', 'migrate-identity-worker', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    writeFileSync(file(`${name}.ext`), `${ext}\n`);
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}`,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  }
}

interface Seen {
  clientCn?: string;
  authorization?: string;
  path?: string;
}

/**
 * A TLS gRPC endpoint that demands a client certificate signed by the CA (as Temporal Cloud's
 * mTLS endpoints do) and answers every call UNIMPLEMENTED, which `Connection.connect` accepts
 * for its GetSystemInfo probe. It records what the client presented.
 */
function startServer(seen: Seen[]): Promise<Http2SecureServer> {
  const server = createSecureServer({
    key: readFileSync(file('server.key')),
    cert: readFileSync(file('server.crt')),
    ca: readFileSync(file('ca.crt')),
    requestCert: true,
    rejectUnauthorized: true,
    allowHTTP1: false,
  });
  server.on('stream', (stream: ServerHttp2Stream, headers) => {
    const socket = stream.session?.socket as TLSSocket | undefined;
    seen.push({
      clientCn: socket?.getPeerCertificate().subject?.CN as string | undefined,
      authorization: headers.authorization,
      path: headers[':path'],
    });
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const baseEnv = { MIGRATE_IDENTITY_DATA_DIR: dir };

describe('Temporal connection security from the environment', () => {
  test('plaintext by default: the local dev server', () => {
    const { temporal } = loadConfig(baseEnv);
    assert.equal(temporal.tls, undefined);
    assert.deepEqual(temporalConnectionOptions(temporal), { address: '127.0.0.1:7233' });
  });

  test('an API key turns TLS on and is scrubbed from logs', () => {
    const config = loadConfig({ ...baseEnv, TEMPORAL_API_KEY: 'cloud-api-key-123456' });
    assert.deepEqual(config.temporal.tls, {});
    assert.equal(config.temporal.apiKey, 'cloud-api-key-123456');
    assert.ok(config.secrets.includes('cloud-api-key-123456'));
  });

  test('half a client certificate pair is refused, naming the missing variable', () => {
    assert.throws(
      () => loadConfig({ ...baseEnv, TEMPORAL_TLS_CLIENT_CERT_PATH: '/x/tls.crt' }),
      (err: unknown) => err instanceof ConfigError && /TEMPORAL_TLS_CLIENT_KEY_PATH: required/.test(err.message),
    );
  });

  test('TEMPORAL_TLS=false with certificate settings is a contradiction, refused', () => {
    assert.throws(
      () => loadConfig({ ...baseEnv, TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/x/ca.crt' }),
      /TEMPORAL_TLS: false, but TLS certificate settings are set/,
    );
  });

  test('an unreadable certificate file names its variable', () => {
    const { temporal } = loadConfig({
      ...baseEnv,
      TEMPORAL_TLS_CLIENT_CERT_PATH: file('missing.crt'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: file('missing.key'),
    });
    assert.throws(() => temporalConnectionOptions(temporal), /TEMPORAL_TLS_CLIENT_CERT_PATH: cannot read/);
  });
});

describe('Temporal connection over mTLS with an API key, against a TLS endpoint on 127.0.0.1', () => {
  const seen: Seen[] = [];
  let server: Http2SecureServer;
  let address: string;

  before(async () => {
    makeCertificates();
    server = await startServer(seen);
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the client presents its certificate, trusts the configured CA and sends the API key', async () => {
    const { temporal } = loadConfig({
      ...baseEnv,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TLS_CLIENT_CERT_PATH: file('client.crt'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: file('client.key'),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('ca.crt'),
      TEMPORAL_API_KEY: 'cloud-api-key-123456',
    });
    const connection = await Connection.connect({ ...temporalConnectionOptions(temporal), connectTimeout: 5000 });
    await connection.close();
    const probe = seen.find((s) => s.path?.endsWith('/GetSystemInfo'));
    assert.ok(probe, `no GetSystemInfo call reached the server: ${JSON.stringify(seen)}`);
    assert.equal(probe.clientCn, 'migrate-identity-worker');
    assert.equal(probe.authorization, 'Bearer cloud-api-key-123456');
  });

  test('without the client certificate the mTLS endpoint refuses the connection', async () => {
    const { temporal } = loadConfig({
      ...baseEnv,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('ca.crt'),
    });
    await assert.rejects(Connection.connect({ ...temporalConnectionOptions(temporal), connectTimeout: 3000 }));
  });

  test('the test endpoint itself refuses a client without a certificate (so the test above can fail)', async () => {
    const session = connect(`https://${address}`, { ca: readFileSync(file('ca.crt')) });
    const outcome = await new Promise<string>((resolve) => {
      session.on('error', (err) => resolve(`error: ${err.message}`));
      const req = session.request({ ':path': '/x' });
      req.on('response', () => resolve('answered'));
      req.on('error', (err) => resolve(`error: ${err.message}`));
      req.end();
    });
    session.destroy();
    assert.match(outcome, /^error/);
  });
});
