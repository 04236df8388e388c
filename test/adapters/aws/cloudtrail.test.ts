import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createCloudTrailAdapter } from '../../../src/adapters/aws/cloudtrail.js';
import { isPortError } from '../../../src/ports/errors.js';

interface Fixture {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const fixture = (name: string): Fixture =>
  JSON.parse(readFileSync(new URL(`../../fixtures/cloudtrail/${name}.json`, import.meta.url), 'utf8')) as Fixture;

interface Received {
  target: string | undefined;
  body: Record<string, unknown>;
}

/** A CloudTrail endpoint answering each request with the next fixture. */
describe('CloudTrail adapter against recorded LookupEvents responses', () => {
  let server: Server;
  let endpoint: string;
  let queue: Fixture[] = [];
  let received: Received[] = [];

  before(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({ target: req.headers['x-amz-target'] as string | undefined, body: JSON.parse(text) });
        const next = queue.shift() ?? { status: 500, headers: {}, body: { __type: 'InternalFailure' } };
        res.writeHead(next.status, next.headers);
        res.end(JSON.stringify(next.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function adapter(options: { sleeps?: number[]; clock?: { t: number } } = {}) {
    queue = [];
    received = [];
    const client = new CloudTrailClient({
      region: 'us-west-2',
      endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    const clock = options.clock ?? { t: 0 };
    return createCloudTrailAdapter((cluster) => ({ client, scope: cluster.startsWith('eu-') ? 'eu' : 'us' }), {
      now: () => clock.t,
      sleep: (ms) => {
        options.sleeps?.push(ms);
        clock.t += ms;
        return Promise.resolve();
      },
    });
  }

  test('sends LookupEvents with one EventName attribute and the window, follows NextToken, parses every event', async () => {
    const cloudTrail = adapter();
    queue.push(fixture('lookup-events-page-1'), fixture('lookup-events-page-2'));
    let pages = 0;
    const result = await cloudTrail.lookupEvents(
      'prod-a',
      {
        eventName: 'AssumeRoleForPodIdentity',
        startTime: '2023-12-13T00:00:00.000Z',
        endTime: '2024-05-01T00:00:00.000Z',
      },
      () => (pages += 1),
    );
    assert.equal(pages, 2);
    assert.deepEqual(
      received.map((r) => r.target),
      Array(2).fill('CloudTrail_20131101.LookupEvents'),
    );
    assert.deepEqual(received[0]?.body, {
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'AssumeRoleForPodIdentity' }],
      StartTime: Date.parse('2023-12-13T00:00:00.000Z') / 1000,
      EndTime: Date.parse('2024-05-01T00:00:00.000Z') / 1000,
      MaxResults: 50,
    });
    assert.equal(received[1]?.body.NextToken, 'eyJOZXh0VG9rZW4iOiAicGFnZS0yIn0=');
    assert.equal(result.truncated, false);
    const [pod, assume, web] = result.events;
    assert.deepEqual(pod, {
      eventId: 'e05b6d2e-4be6-45dd-8ad5-ba1e076002a5',
      eventName: 'AssumeRoleForPodIdentity',
      eventSource: 'eks-auth.amazonaws.com',
      eventTime: '2023-12-13T01:14:20.000Z',
      awsRegion: 'us-west-2',
      userAgent:
        'aws-sdk-go-v2/1.21.2 os/linux lang/go#1.19.13 md/GOOS#linux md/GOARCH#amd64 api/eksauth#1.0.0-zeta.e49712bf27d5',
      sourceIPAddress: '44.219.101.145',
      userIdentity: {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::111122223333:assumed-role/platform-eks-node-group/i-064d652934ecf0bfc',
        principalId: 'AROAQAHCJ2QPM6KW4RJQK:i-064d652934ecf0bfc',
      },
      requestParameters: { clusterName: 'eksworkshop-eksctl', token: 'HIDDEN_DUE_TO_SECURITY_REASONS' },
      resources: [{ type: 'AWS::EKS::Cluster', name: 'eksworkshop-eksctl' }],
    });
    assert.equal(assume?.userIdentity.invokedBy, 'pods.eks.amazonaws.com');
    assert.equal((assume?.requestParameters?.tags as unknown[]).length, 6);
    assert.deepEqual(web?.userIdentity, {
      type: 'WebIdentityUser',
      principalId:
        'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/A8242F25BFBB8F98F5321B2AE63C8B5C:sts.amazonaws.com:system:serviceaccount:argo:awf-aws-executor-plugin',
      userName: 'system:serviceaccount:argo:awf-aws-executor-plugin',
      identityProvider:
        'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/A8242F25BFBB8F98F5321B2AE63C8B5C',
    });
    assert.equal(web?.errorCode, 'AccessDenied');
    assert.equal(web?.userAgent, 'aws-sdk-go/1.45.1 (go1.21.4; linux; amd64)');
  });

  test('stops at maxEvents and says the result is truncated', async () => {
    const cloudTrail = adapter();
    queue.push(fixture('lookup-events-page-1'));
    const result = await cloudTrail.lookupEvents('prod-a', {
      eventName: 'AssumeRoleForPodIdentity',
      startTime: '2023-12-13T00:00:00.000Z',
      maxEvents: 1,
    });
    assert.equal(result.truncated, true);
    assert.equal(result.events.length, 1);
    assert.equal(received.length, 1);
  });

  test('paces calls of one scope to two per second; other scopes are not held up', async () => {
    const sleeps: number[] = [];
    const cloudTrail = adapter({ sleeps });
    queue.push(fixture('lookup-events-page-1'), fixture('lookup-events-page-2'), fixture('lookup-events-page-2'));
    await cloudTrail.lookupEvents('prod-a', {
      eventName: 'AssumeRoleForPodIdentity',
      startTime: '2023-12-13T00:00:00Z',
    });
    assert.deepEqual(sleeps, [500], 'the second page waits for its slot');
    await cloudTrail.lookupEvents('eu-b', { eventName: 'AssumeRoleForPodIdentity', startTime: '2023-12-13T00:00:00Z' });
    assert.deepEqual(sleeps, [500], 'another account/Region has its own limit');
    assert.equal(cloudTrail.scopeOf('eu-b'), 'eu');
  });

  const errors: [string, string, string, boolean][] = [
    ['throttling', 'throttled', 'ThrottlingException', true],
    ['invalid-lookup-attributes', 'validation', 'InvalidLookupAttributesException', false],
    ['invalid-time-range', 'validation', 'InvalidTimeRangeException', false],
    ['access-denied', 'access-denied', 'AccessDeniedException', false],
  ];
  for (const [name, kind, code, retryable] of errors) {
    test(`${code} becomes a ${retryable ? 'retryable' : 'final'} ${kind} error naming the lookup`, async () => {
      const cloudTrail = adapter();
      queue.push(fixture(name));
      await assert.rejects(
        cloudTrail.lookupEvents('prod-a', {
          eventName: 'AssumeRoleWithWebIdentity',
          startTime: '2024-01-01T00:00:00Z',
        }),
        (err: unknown) => {
          assert.ok(isPortError(err), String(err));
          assert.equal(err.kind, kind);
          assert.equal(err.details.code, code);
          assert.equal(err.retryable, retryable);
          assert.match(err.message, /^CloudTrail LookupEvents AssumeRoleWithWebIdentity \(prod-a\): /);
          return true;
        },
      );
    });
  }
});
