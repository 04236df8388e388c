/**
 * A tiny stand-in for kube-apiserver: records every request and answers with scripted
 * replies; unscripted paths get the API server's 404 Status. Exec upgrades speak the
 * `v4.channel.k8s.io` websocket protocol (one leading channel byte: 1 stdout, 2 stderr,
 * 3 status). Listens on 127.0.0.1 on an ephemeral port, plain HTTP or TLS.
 */
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { KubeConfig } from '@kubernetes/client-node';

// `ws` ships without types here (@types/ws is not installed); this is the slice we use.
interface WsSocket {
  send(data: Buffer): void;
  close(): void;
  terminate(): void;
}
interface WsServer {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, done: (ws: WsSocket) => void): void;
  close(): void;
}
interface WsModule {
  WebSocketServer: new (options: {
    noServer: true;
    handleProtocols: (protocols: Set<string>) => string | false;
  }) => WsServer;
}
const { WebSocketServer } = createRequire(import.meta.url)('ws') as WsModule;

export const EXEC_PROTOCOL = 'v4.channel.k8s.io';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  contentType?: string;
  authorization?: string;
  /** Parsed JSON for JSON bodies, the raw text otherwise; undefined when empty. */
  body?: unknown;
  /** Exec upgrades only: the subprotocols the client offered. */
  protocols?: string[];
}

export interface Reply {
  status?: number;
  body?: unknown;
  /** Sent as is with this content type instead of `body` as JSON (pod logs are text/plain). */
  text?: { contentType: string; content: string };
  /** Never answer: for client-side deadlines. */
  hang?: boolean;
}

export interface ExecReply {
  stdout?: string;
  stderr?: string;
  /** The `Status` sent on channel 3; omitted: the stream closes without one. */
  status?: unknown;
  /** Keep the stream open and silent. */
  hang?: boolean;
  /** Refuse the upgrade with this HTTP status. */
  refuse?: number;
}

export interface FakeKubeApi {
  url: string;
  /** Base64 PEM of the server certificate (self-signed), as DescribeCluster returns a CA. */
  caBase64: string;
  requests: RecordedRequest[];
  /** Scripts `method path` (no query); a function sees the request, e.g. to page on `continue`. */
  on(method: string, path: string, reply: Reply | ((req: RecordedRequest) => Reply)): void;
  onExec(reply: ExecReply | ((req: RecordedRequest) => ExecReply)): void;
  close(): Promise<void>;
}

/** The failure body the API server sends. */
export function kubeStatus(code: number, reason: string, message: string): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** A KubeConfig for a plain-HTTP fake (client-node refuses http:// unless TLS checks are off). */
export function kubeConfigFor(api: FakeKubeApi, token = 'test-token'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: api.url, skipTLSVerify: true }],
    users: [{ name: 'fake', token }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  return kc;
}

// Test-only key pair for 127.0.0.1/localhost, valid 2000-2100. Never used outside tests.
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgnEnyE+1mol0bEZfH
yib/EC5i3E1aJyAnEXZZscGVwnGhRANCAAS+FU31evFBev/kSat1MXd8PwUpZN81
o1IPaKEFOolGGflZ0U1TlgMApv0GwTH/b8CntK/MBl22XIzreId0LvP8
-----END PRIVATE KEY-----
`;
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBgDCCASWgAwIBAgIBATAKBggqhkjOPQQDAjAYMRYwFAYDVQQDDA1mYWtlLWt1
YmUtYXBpMCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAxMDAwMDAwWjAYMRYwFAYD
VQQDDA1mYWtlLWt1YmUtYXBpMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEvhVN
9XrxQXr/5EmrdTF3fD8FKWTfNaNSD2ihBTqJRhn5WdFNU5YDAKb9BsEx/2/Ap7Sv
zAZdtlyM63iHdC7z/KNeMFwwGgYDVR0RBBMwEYcEfwAAAYIJbG9jYWxob3N0MA8G
A1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgKEMB0GA1UdDgQWBBS1KAQ2I6w+
45DDW37D6uOVoB6miDAKBggqhkjOPQQDAgNJADBGAiEA6j7qOZ+tFvfKUqC7YgXv
LZSZk1Zn46zbW+0AVvb1iEkCIQC607vehOwYRHUWuDS5uyvGAr4uRE/R4VbpO5RU
W1swzA==
-----END CERTIFICATE-----
`;

function record(req: IncomingMessage, rawBody: string): RecordedRequest {
  const url = new URL(req.url ?? '/', 'http://fake');
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? values[0]! : values;
  }
  const contentType = req.headers['content-type'];
  const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query };
  if (contentType !== undefined) recorded.contentType = contentType;
  if (req.headers.authorization !== undefined) recorded.authorization = req.headers.authorization;
  if (rawBody.length > 0) recorded.body = contentType?.includes('json') ? JSON.parse(rawBody) : rawBody;
  return recorded;
}

function notFound(req: RecordedRequest): Reply {
  return { status: 404, body: kubeStatus(404, 'NotFound', `${req.method} ${req.path} is not scripted`) };
}

export async function startFakeKubeApi(options: { tls?: boolean } = {}): Promise<FakeKubeApi> {
  const routes = new Map<string, Reply | ((req: RecordedRequest) => Reply)>();
  let execReply: ExecReply | ((req: RecordedRequest) => ExecReply) = { refuse: 404 };
  const requests: RecordedRequest[] = [];
  const sockets = new Set<WsSocket>();
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => (offered.has(EXEC_PROTOCOL) ? EXEC_PROTOCOL : false),
  });

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = record(req, Buffer.concat(chunks).toString('utf8'));
      requests.push(recorded);
      const route = routes.get(`${recorded.method} ${recorded.path}`);
      const reply = route === undefined ? notFound(recorded) : typeof route === 'function' ? route(recorded) : route;
      if (reply.hang) return;
      if (reply.text) {
        res.writeHead(reply.status ?? 200, { 'content-type': reply.text.contentType });
        res.end(reply.text.content);
        return;
      }
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  };

  const server: Server = options.tls
    ? createHttpsServer({ key: TEST_KEY, cert: TEST_CERT }, handle)
    : createHttpServer(handle);

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const recorded = record(req, '');
    recorded.protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    requests.push(recorded);
    const reply = typeof execReply === 'function' ? execReply(recorded) : execReply;
    if (reply.refuse !== undefined) {
      const body = JSON.stringify(kubeStatus(reply.refuse, 'Refused', 'exec refused'));
      socket.end(
        `HTTP/1.1 ${reply.refuse} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      if (reply.hang) return;
      const frame = (channel: number, text: string) => Buffer.concat([Buffer.from([channel]), Buffer.from(text)]);
      if (reply.stdout !== undefined) ws.send(frame(1, reply.stdout));
      if (reply.stderr !== undefined) ws.send(frame(2, reply.stderr));
      if (reply.status !== undefined) ws.send(frame(3, JSON.stringify(reply.status)));
      ws.close();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    caBase64: Buffer.from(TEST_CERT).toString('base64'),
    requests,
    on: (method, path, reply) => routes.set(`${method} ${path}`, reply),
    onExec: (reply) => {
      execReply = reply;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
