// iam:SimulatePrincipalPolicy through the real SDK client: the request it puts on the wire
// (IAM's query protocol) and what the adapter makes of IAM's XML answers. moto does not
// implement the simulator, so the answers are recorded fixtures (test/fixtures/aws/),
// written from the IAM API Reference (SimulatePrincipalPolicy, EvaluationResult,
// ResourceSpecificResult, Statement) in the shape IAM sends: one EvaluationResult per action
// with its per-resource decisions in ResourceSpecificResults, an older answer with the
// decision at the top level, pages joined by Marker, and IAM's error documents.
import { IAMClient } from '@aws-sdk/client-iam';
import { HttpResponse, type HttpRequest } from '@smithy/protocol-http';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createIamAdapter } from '../../../src/adapters/aws/iam.js';
import { isPortError } from '../../../src/ports/errors.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/aws/', import.meta.url));
const fixture = (name: string) => readFileSync(`${FIXTURES}${name}`, 'utf8');
const ROLE_ARN = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';

interface Sent {
  method: string;
  path: string;
  form: URLSearchParams;
}

/** An IAM client whose HTTP handler records each request and answers with the next reply. */
function clientAnswering(replies: { status: number; body: string }[]) {
  const sent: Sent[] = [];
  const requestHandler = {
    handle: (request: HttpRequest) => {
      const body = typeof request.body === 'string' ? request.body : String(request.body ?? '');
      sent.push({ method: request.method, path: request.path, form: new URLSearchParams(body) });
      const reply = replies.shift();
      if (reply === undefined) return Promise.reject(new Error('no reply scripted'));
      return Promise.resolve({
        response: new HttpResponse({
          statusCode: reply.status,
          headers: { 'content-type': 'text/xml' },
          body: Readable.from([Buffer.from(reply.body)]),
        }),
      });
    },
  };
  const client = new IAMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler,
    maxAttempts: 1,
  });
  return { iam: createIamAdapter(client), sent };
}

const REQUEST = {
  policySourceArn: ROLE_ARN,
  actions: ['s3:GetObject', 'dynamodb:PutItem', 'ssm:GetParameter'],
  resources: ['arn:aws:s3:::payments-reconciler-data/payments/*', 'arn:aws:s3:::payments-reconciler-data/orders/*'],
  context: {
    'aws:PrincipalTag/kubernetes-namespace': 'payments',
    'aws:PrincipalTag/kubernetes-service-account': 'reconciler',
  },
};

describe('IAM adapter: simulatePrincipalPolicy', () => {
  test('sends the role, actions, resources and one string context entry per session tag, then follows Marker', async () => {
    const { iam, sent } = clientAnswering([
      { status: 200, body: fixture('simulate-principal-policy-page-1.xml') },
      { status: 200, body: fixture('simulate-principal-policy-page-2.xml') },
    ]);
    await iam.simulatePrincipalPolicy(REQUEST);
    assert.equal(sent.length, 2);
    const [first, second] = sent;
    assert.equal(first?.method, 'POST');
    assert.equal(first?.path, '/');
    assert.deepEqual(Object.fromEntries(first?.form ?? []), {
      Action: 'SimulatePrincipalPolicy',
      Version: '2010-05-08',
      PolicySourceArn: ROLE_ARN,
      'ActionNames.member.1': 's3:GetObject',
      'ActionNames.member.2': 'dynamodb:PutItem',
      'ActionNames.member.3': 'ssm:GetParameter',
      'ResourceArns.member.1': 'arn:aws:s3:::payments-reconciler-data/payments/*',
      'ResourceArns.member.2': 'arn:aws:s3:::payments-reconciler-data/orders/*',
      'ContextEntries.member.1.ContextKeyName': 'aws:PrincipalTag/kubernetes-namespace',
      'ContextEntries.member.1.ContextKeyValues.member.1': 'payments',
      'ContextEntries.member.1.ContextKeyType': 'string',
      'ContextEntries.member.2.ContextKeyName': 'aws:PrincipalTag/kubernetes-service-account',
      'ContextEntries.member.2.ContextKeyValues.member.1': 'reconciler',
      'ContextEntries.member.2.ContextKeyType': 'string',
    });
    assert.equal(second?.form.get('Marker'), 'AAIAAfNzM3J2YnZ5bmRxZ3ZxZzJ1aGk=');
  });

  test('reads per-resource decisions where IAM gives them, the top-level decision where it does not', async () => {
    const { iam } = clientAnswering([
      { status: 200, body: fixture('simulate-principal-policy-page-1.xml') },
      { status: 200, body: fixture('simulate-principal-policy-page-2.xml') },
    ]);
    assert.deepEqual(await iam.simulatePrincipalPolicy(REQUEST), [
      {
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::payments-reconciler-data/payments/*',
        decision: 'allowed',
        matchedStatements: ['reconciler-data'],
        missingContextKeys: [],
      },
      {
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::payments-reconciler-data/orders/*',
        decision: 'implicitDeny',
        matchedStatements: [],
        missingContextKeys: [],
      },
      {
        action: 'dynamodb:PutItem',
        resource: 'arn:aws:dynamodb:us-east-1:111122223333:table/payments-ledger',
        decision: 'implicitDeny',
        matchedStatements: [],
        missingContextKeys: ['aws:PrincipalTag/kubernetes-namespaces'],
      },
      {
        action: 'ssm:GetParameter',
        resource: 'arn:aws:ssm:*:111122223333:parameter/payments/*',
        decision: 'explicitDeny',
        matchedStatements: ['payments-common-read'],
        missingContextKeys: [],
      },
    ]);
  });

  test('no resources: none sent (IAM simulates `*`)', async () => {
    const { iam, sent } = clientAnswering([{ status: 200, body: fixture('simulate-principal-policy-page-2.xml') }]);
    await iam.simulatePrincipalPolicy({ ...REQUEST, resources: [] });
    assert.equal(
      [...(sent[0]?.form.keys() ?? [])].some((k) => k.startsWith('ResourceArns')),
      false,
    );
  });

  test("IAM's errors: NoSuchEntity is not-found, InvalidInput is validation, with IAM's message", async () => {
    const missing = clientAnswering([{ status: 404, body: fixture('simulate-principal-policy-no-such-entity.xml') }]);
    await assert.rejects(missing.iam.simulatePrincipalPolicy(REQUEST), (err: unknown) => {
      assert.ok(isPortError(err, 'not-found'), String(err));
      assert.match(err.message, /SimulatePrincipalPolicy .*: The role with name eks-payments-missing cannot be found/);
      return true;
    });
    const invalid = clientAnswering([{ status: 400, body: fixture('simulate-principal-policy-invalid-input.xml') }]);
    await assert.rejects(invalid.iam.simulatePrincipalPolicy(REQUEST), (err: unknown) =>
      isPortError(err, 'validation'),
    );
  });
});
