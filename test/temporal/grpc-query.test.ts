import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeQueryResponse, encodeQueryRequest } from '../../src/temporal/grpc-query.js';

/** Protobuf by hand, for the fixtures: tag, length, bytes. */
function field(number: number, value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  assert.ok(bytes.length < 128);
  return Buffer.concat([Buffer.from([(number << 3) | 2, bytes.length]), bytes]);
}

function response(encoding: string, data: string, extra: Buffer[] = []): Buffer {
  const metadata = field(1, Buffer.concat([field(1, 'encoding'), field(2, encoding)]));
  return field(1, field(1, Buffer.concat([metadata, field(2, data), ...extra])));
}

describe('bare gRPC query: the three messages by field number', () => {
  test('the request: namespace, workflow id (slashes and all) and query type', () => {
    assert.deepEqual(
      encodeQueryRequest('default', 'migrate-identity/a/b', 'state'),
      Buffer.concat([field(1, 'default'), field(2, field(1, 'migrate-identity/a/b')), field(3, field(1, 'state'))]),
    );
  });

  test('a json/plain result decodes as the SDK decodes it', () => {
    assert.deepEqual(decodeQueryResponse(response('json/plain', '{"phase":"done","n":1}')), {
      kind: 'result',
      value: { phase: 'done', n: 1 },
    });
  });

  test('anything else is left to the SDK: other encodings, external payloads, rejections, no result', () => {
    assert.equal(decodeQueryResponse(response('binary/protobuf', 'x')).kind, 'unavailable');
    assert.equal(decodeQueryResponse(response('json/plain', '{}', [field(3, '')])).kind, 'unavailable');
    assert.equal(decodeQueryResponse(field(2, field(1, ''))).kind, 'unavailable');
    assert.equal(decodeQueryResponse(Buffer.alloc(0)).kind, 'unavailable');
    assert.throws(() => decodeQueryResponse(Buffer.from([0x0a, 0x05, 0x01])), /truncated/);
  });
});
