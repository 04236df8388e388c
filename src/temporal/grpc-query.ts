import { connect, constants, type IncomingHttpHeaders } from 'node:http2';
import type { TemporalConnectionOptions } from './connection.js';

/*
 * One workflow query as a bare gRPC call over node:http2: what a quick `status` needs, without
 * loading the Temporal SDK (its protobuf reflection and module graph were most of the command's
 * time). It encodes the three messages it touches by their field numbers (temporalio/api,
 * workflowservice/v1/request_response.proto) and decodes the result as the SDK's default
 * converter does (json/plain). Anything it does not recognise is `unavailable`: the caller
 * asks again through the SDK, which reports its own errors as usual.
 */

export type QueryOutcome =
  { kind: 'result'; value: unknown } | { kind: 'not-found' } | { kind: 'unavailable'; reason: string };

const QUERY_WORKFLOW_PATH = '/temporal.api.workflowservice.v1.WorkflowService/QueryWorkflow';
const GRPC_NOT_FOUND = '5';
const NOT_FOUND_DETAIL = 'temporal.api.errordetails.v1.NotFoundFailure';

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

/** A length-delimited field (wire type 2): strings and nested messages. */
function field(number: number, value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([varint((number << 3) | 2), varint(bytes.length), bytes]);
}

/** QueryWorkflowRequest { namespace = 1; execution = 2 { workflow_id = 1 }; query = 3 { query_type = 1 } }. */
export function encodeQueryRequest(namespace: string, workflowId: string, queryType: string): Buffer {
  return Buffer.concat([field(1, namespace), field(2, field(1, workflowId)), field(3, field(1, queryType))]);
}

/** The fields of one message, by number; varints as numbers, length-delimited as buffers. */
function fields(buf: Buffer): Array<{ number: number; value: Buffer | number }> {
  const out: Array<{ number: number; value: Buffer | number }> = [];
  let pos = 0;
  const readVarint = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = buf[pos++];
      if (byte === undefined) throw new Error('truncated message');
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
      shift += 7;
    }
  };
  while (pos < buf.length) {
    const tag = readVarint();
    const wireType = tag & 7;
    if (wireType === 0) out.push({ number: tag >>> 3, value: readVarint() });
    else if (wireType === 2) {
      const length = readVarint();
      if (pos + length > buf.length) throw new Error('truncated message');
      out.push({ number: tag >>> 3, value: buf.subarray(pos, pos + length) });
      pos += length;
    } else throw new Error(`unexpected wire type ${wireType}`);
  }
  return out;
}

function nested(buf: Buffer, number: number): Buffer[] {
  return fields(buf)
    .filter((f) => f.number === number && Buffer.isBuffer(f.value))
    .map((f) => f.value as Buffer);
}

/**
 * QueryWorkflowResponse { query_result = 1 (Payloads { payloads = 1 (Payload { metadata = 1
 * (map<string, bytes>), data = 2 }) }); query_rejected = 2 }: the first payload, as JSON.
 */
export function decodeQueryResponse(message: Buffer): QueryOutcome {
  const all = fields(message);
  if (all.some((f) => f.number === 2)) return { kind: 'unavailable', reason: 'query rejected' };
  const payload = nested(message, 1).flatMap((payloads) => nested(payloads, 1))[0];
  if (!payload) return { kind: 'unavailable', reason: 'no query result' };
  const metadata = new Map(
    nested(payload, 1).map((entry) => [nested(entry, 1)[0]?.toString('utf8'), nested(entry, 2)[0]?.toString('utf8')]),
  );
  const data = nested(payload, 2)[0];
  // Anything but plain JSON (external storage, another encoding): the SDK knows what to do.
  if (metadata.get('encoding') !== 'json/plain' || !data || fields(payload).some((f) => f.number === 3)) {
    return { kind: 'unavailable', reason: 'query result is not a json/plain payload' };
  }
  return { kind: 'result', value: JSON.parse(data.toString('utf8')) as unknown };
}

/** gRPC's 5-byte frame prefix (no compression) around one message, and its reverse. */
function frame(message: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

function unframe(body: Buffer): Buffer | undefined {
  if (body.length < 5 || body[0] !== 0) return undefined;
  const length = body.readUInt32BE(1);
  return body.length >= 5 + length ? body.subarray(5, 5 + length) : undefined;
}

export function queryWorkflowOverGrpc(
  connection: TemporalConnectionOptions,
  request: { namespace: string; workflowId: string; queryType: string; timeoutMs?: number },
): Promise<QueryOutcome> {
  const timeoutMs = request.timeoutMs ?? 10_000;
  const { tls, apiKey } = connection;
  return new Promise((resolve) => {
    const session = connect(`${tls ? 'https' : 'http'}://${connection.address}`, {
      ...(tls?.serverRootCACertificate ? { ca: Buffer.from(tls.serverRootCACertificate) } : {}),
      ...(tls?.clientCertPair
        ? { cert: Buffer.from(tls.clientCertPair.crt), key: Buffer.from(tls.clientCertPair.key) }
        : {}),
      ...(tls?.serverNameOverride ? { servername: tls.serverNameOverride } : {}),
    });
    let settled = false;
    const finish = (outcome: QueryOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.close();
      session.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: 'unavailable', reason: 'timed out' }), timeoutMs);
    session.on('error', (err: Error) => finish({ kind: 'unavailable', reason: err.message }));
    const stream = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: QUERY_WORKFLOW_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-timeout': `${timeoutMs}m`,
      'temporal-namespace': request.namespace,
      ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
    });
    const chunks: Buffer[] = [];
    let status: string | undefined;
    let details = '';
    const readStatus = (headers: IncomingHttpHeaders) => {
      const code = headers['grpc-status'];
      if (typeof code === 'string') status = code;
      const bin = headers['grpc-status-details-bin'];
      if (typeof bin === 'string') details = Buffer.from(bin, 'base64').toString('latin1');
    };
    stream.on('response', readStatus);
    stream.on('trailers', readStatus);
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', (err: Error) => finish({ kind: 'unavailable', reason: err.message }));
    stream.on('close', () => {
      if (status === GRPC_NOT_FOUND && details.includes(NOT_FOUND_DETAIL)) return finish({ kind: 'not-found' });
      if (status !== '0') return finish({ kind: 'unavailable', reason: `grpc-status ${status ?? 'missing'}` });
      const message = unframe(Buffer.concat(chunks));
      if (!message) return finish({ kind: 'unavailable', reason: 'malformed response' });
      try {
        finish(decodeQueryResponse(message));
      } catch (err) {
        finish({ kind: 'unavailable', reason: (err as Error).message });
      }
    });
    stream.end(frame(encodeQueryRequest(request.namespace, request.workflowId, request.queryType)));
  });
}
