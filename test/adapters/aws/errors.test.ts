import {
  AccessDeniedException,
  InvalidParameterException,
  InvalidRequestException,
  NotFoundException,
  ResourceInUseException,
  ResourceLimitExceededException,
  ResourceNotFoundException,
  ServerException,
  ServiceUnavailableException,
  ThrottlingException,
  EKSServiceException,
} from '@aws-sdk/client-eks';
import {
  EntityAlreadyExistsException,
  IAMServiceException,
  LimitExceededException,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  ServiceFailureException,
} from '@aws-sdk/client-iam';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { CredentialsProviderError } from '@smithy/core/config';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { mapAwsError } from '../../../src/adapters/aws/errors.js';
import { PortError, type PortErrorKind } from '../../../src/ports/errors.js';

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode, requestId: 'req-1' } });

/** As the SDK builds an error the service model does not name: the base class, with the AWS code as name. */
function unmodelled(name: string, httpStatusCode: number, message = `${name} happened`) {
  return new IAMServiceException({
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    message,
    ...meta(httpStatusCode),
  });
}

function syscallError(code: string) {
  return Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });
}

const cases: [PortErrorKind, string, unknown][] = [
  ['access-denied', 'EKS AccessDeniedException', new AccessDeniedException({ message: 'no', ...meta(403) })],
  ['access-denied', 'IAM AccessDenied', unmodelled('AccessDenied', 403)],
  ['access-denied', 'UnauthorizedOperation', unmodelled('UnauthorizedOperation', 400)],
  ['access-denied', 'bare 403', unmodelled('SomethingForbidden', 403)],
  [
    'not-found',
    'EKS ResourceNotFoundException',
    new ResourceNotFoundException({ message: 'No cluster', ...meta(404) }),
  ],
  ['not-found', 'IAM NoSuchEntityException', new NoSuchEntityException({ message: 'Role x not found', ...meta(404) })],
  ['not-found', 'EKS NotFoundException', new NotFoundException({ message: 'gone', ...meta(404) })],
  ['not-found', 'bare 404', unmodelled('Whatever', 404)],
  ['conflict', 'EKS ResourceInUseException', new ResourceInUseException({ message: 'in use', ...meta(409) })],
  [
    'conflict',
    'IAM EntityAlreadyExistsException',
    new EntityAlreadyExistsException({ message: 'exists', ...meta(409) }),
  ],
  ['conflict', 'bare 409', unmodelled('Clash', 409)],
  ['validation', 'InvalidParameterException', new InvalidParameterException({ message: 'bad', ...meta(400) })],
  ['validation', 'InvalidRequestException', new InvalidRequestException({ message: 'bad', ...meta(400) })],
  [
    'validation',
    'MalformedPolicyDocumentException',
    new MalformedPolicyDocumentException({ message: 'Syntax errors in policy.', ...meta(400) }),
  ],
  ['validation', 'ValidationError', unmodelled('ValidationError', 400)],
  ['validation', 'bare 400', unmodelled('OddInput', 400)],
  [
    'limit-exceeded',
    'ResourceLimitExceededException',
    new ResourceLimitExceededException({ message: 'too many', ...meta(400) }),
  ],
  ['limit-exceeded', 'IAM LimitExceededException', new LimitExceededException({ message: 'too many', ...meta(409) })],
  ['throttled', 'EKS ThrottlingException', new ThrottlingException({ message: 'slow down', ...meta(429) })],
  ['throttled', 'IAM Throttling (400)', unmodelled('Throttling', 400)],
  ['throttled', 'TooManyRequestsException', unmodelled('TooManyRequestsException', 429)],
  ['throttled', 'RequestLimitExceeded', unmodelled('RequestLimitExceeded', 503)],
  ['throttled', 'bare 429', unmodelled('Busy', 429)],
  ['unavailable', 'EKS ServerException', new ServerException({ message: 'oops', ...meta(500) })],
  ['unavailable', 'ServiceUnavailableException', new ServiceUnavailableException({ message: 'down', ...meta(503) })],
  ['unavailable', 'ServiceUnavailable', unmodelled('ServiceUnavailable', 503)],
  ['unavailable', 'IAM ServiceFailureException', new ServiceFailureException({ message: 'oops', ...meta(500) })],
  ['unavailable', 'bare 502', unmodelled('BadGateway', 502)],
  [
    'timeout',
    'SDK TimeoutError',
    Object.assign(new Error('Connection timed out after 5000 ms'), { name: 'TimeoutError' }),
  ],
  ['timeout', 'ETIMEDOUT', syscallError('ETIMEDOUT')],
  ['timeout', 'ECONNRESET', syscallError('ECONNRESET')],
  [
    'unavailable',
    'CredentialsProviderError that lets the chain go on',
    new CredentialsProviderError('Server responded with status: 500', { tryNextLink: true }),
  ],
  [
    'unavailable',
    'the default chain giving up (tryNextLink: false), as it does after an IMDS timeout',
    new CredentialsProviderError('Could not load credentials from any providers', { tryNextLink: false }),
  ],
  ['unknown', 'plain Error', new Error('something odd')],
  ['unknown', 'a thrown string', 'just a string'],
  ['unknown', 'an unlisted 4xx', unmodelled('Teapot', 418)],
];

describe('mapAwsError', () => {
  for (const [kind, label, err] of cases) {
    test(`${label} → ${kind}`, () => {
      const mapped = mapAwsError(err, 'EKS DescribeCluster on cluster prod-a');
      assert.ok(mapped instanceof PortError);
      assert.equal(mapped.kind, kind);
      assert.ok(mapped.message.startsWith('EKS DescribeCluster on cluster prod-a: '), mapped.message);
      assert.equal(mapped.cause, err);
    });
  }

  test('keeps the AWS name and HTTP status, and names the error in the message', () => {
    const mapped = mapAwsError(new ThrottlingException({ message: 'Rate exceeded', ...meta(429) }), 'EKS ListX');
    assert.equal(mapped.message, 'EKS ListX: ThrottlingException: Rate exceeded');
    assert.deepEqual(
      { code: mapped.details.code, httpStatus: mapped.details.httpStatus },
      { code: 'ThrottlingException', httpStatus: 429 },
    );
    assert.equal(mapped.retryable, true);
  });

  test('parses the existing association id out of a create conflict', () => {
    const err = new ResourceInUseException({
      message: 'Association already exists: a-1abcdefghijklmno2',
      ...meta(409),
    });
    const mapped = mapAwsError(err, 'EKS CreatePodIdentityAssociation on cluster prod-a');
    assert.equal(mapped.kind, 'conflict');
    assert.equal(mapped.details.existingId, 'a-1abcdefghijklmno2');
    assert.equal(
      mapped.message,
      'EKS CreatePodIdentityAssociation on cluster prod-a: ResourceInUseException: Association already exists: a-1abcdefghijklmno2',
    );
    assert.equal(mapped.retryable, false);
  });

  test('a conflict that names no association has no existingId', () => {
    const mapped = mapAwsError(new ResourceInUseException({ message: 'Cluster is busy', ...meta(409) }), 'ctx');
    assert.equal(mapped.details.existingId, undefined);
  });

  test('a PortError passes through unchanged', () => {
    const original = new PortError('not-found', 'already mapped');
    assert.equal(mapAwsError(original, 'ctx'), original);
  });

  test('the name wins over a generic status: a modelled error with no status is still mapped', () => {
    const err = new EKSServiceException({ name: 'ResourceLimitExceededException', $fault: 'client', $metadata: {} });
    assert.equal(mapAwsError(err, 'ctx').kind, 'limit-exceeded');
  });

  test('credentials that cannot be loaded are retryable, never access-denied', async (t) => {
    // A container credentials endpoint (the Pod Identity agent's role) that is having a bad moment.
    const agent = createServer((_req, res) => res.writeHead(500).end('{"Code":"InternalError"}'));
    await new Promise<void>((resolve) => agent.listen(0, '127.0.0.1', resolve));
    t.after(() => agent.close());
    const { port } = agent.address() as AddressInfo;
    const client = new EKSClient({
      region: 'eu-west-1',
      maxAttempts: 1,
      credentials: fromHttp({ awsContainerCredentialsFullUri: `http://127.0.0.1:${port}/v1/credentials` }),
    });
    t.after(() => client.destroy());

    const err = await client.send(new DescribeClusterCommand({ name: 'prod-a' })).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    const mapped = mapAwsError(err, 'EKS DescribeCluster on cluster prod-a');
    assert.equal((err as Error).name, 'CredentialsProviderError');
    assert.equal(mapped.kind, 'unavailable');
    assert.equal(mapped.retryable, true);
    assert.match(mapped.message, /^EKS DescribeCluster on cluster prod-a: CredentialsProviderError: /);
  });
});
