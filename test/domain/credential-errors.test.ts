import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CloudTrailRecord } from '../../src/domain/cloudtrail.js';
import { podIdentitySessions } from '../../src/domain/cloudtrail-evidence.js';
import {
  credentialErrors,
  eventNamesOfActions,
  isCredentialError,
  type CredentialErrorTarget,
} from '../../src/domain/credential-errors.js';

const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';
const ISSUER = 'https://oidc.eks.us-east-1.amazonaws.com/id/AAA';
const PROVIDER = 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/AAA';

const target: CredentialErrorTarget = {
  eksClusterName: 'prod-cluster-a',
  serviceAccount: { namespace: 'payments', name: 'reconciler' },
  roleArn: ROLE,
  issuers: [ISSUER],
  since: '2025-01-01T00:00:00.000Z',
  until: '2025-01-01T04:00:00.000Z',
};

let n = 0;
const event = (at: string, over: Partial<CloudTrailRecord>): CloudTrailRecord => ({
  eventId: `e-${(n += 1)}`,
  eventName: 'GetParameter',
  eventSource: 'ssm.amazonaws.com',
  eventTime: at,
  userIdentity: {},
  requestParameters: null,
  resources: [],
  ...over,
});

const web = (at: string, errorCode?: string, session = 'botocore-session-1', subject = 'reconciler') =>
  event(at, {
    eventName: 'AssumeRoleWithWebIdentity',
    eventSource: 'sts.amazonaws.com',
    ...(errorCode && { errorCode }),
    userIdentity: {
      type: 'WebIdentityUser',
      userName: `system:serviceaccount:payments:${subject}`,
      identityProvider: PROVIDER,
    },
    requestParameters: { roleArn: ROLE, roleSessionName: session },
  });

const podIdentity = (at: string, errorCode?: string, pod = 'reconciler-7d9f-abcde', sa = 'reconciler') =>
  event(at, {
    eventName: 'AssumeRole',
    eventSource: 'sts.amazonaws.com',
    ...(errorCode && { errorCode }),
    userIdentity: { type: 'AWSService', invokedBy: 'pods.eks.amazonaws.com' },
    requestParameters: {
      roleArn: ROLE,
      roleSessionName: `eks-prod-clust-${pod.slice(0, 10)}-2f0c8a4e-1b5d-4c3e-9a7f-6d8e0b1c2a3f`,
      tags: [
        { key: 'eks-cluster-name', value: 'prod-cluster-a' },
        { key: 'kubernetes-namespace', value: 'payments' },
        { key: 'kubernetes-service-account', value: sa },
        { key: 'kubernetes-pod-name', value: pod },
      ],
    },
  });

const sessionCall = (at: string, session: string, errorCode?: string, role = 'eks-payments-reconciler') =>
  event(at, {
    ...(errorCode && { errorCode }),
    userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::111122223333:assumed-role/${role}/${session}` },
  });

const agent = (at: string, errorCode?: string, cluster = 'prod-cluster-a') =>
  event(at, {
    eventName: 'AssumeRoleForPodIdentity',
    eventSource: 'eks-auth.amazonaws.com',
    ...(errorCode && { errorCode }),
    userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/node-role/i-0' },
    requestParameters: { clusterName: cluster, token: 'HIDDEN_DUE_TO_SECURITY_REASONS' },
    resources: [{ type: 'AWS::EKS::Cluster', name: cluster }],
  });

describe('credential errors of a service account in a cluster', () => {
  test('the credential error codes of STS, EKS Auth and the services count; throttling and validation do not', () => {
    for (const code of [
      'AccessDenied',
      'AccessDeniedException',
      'Client.UnauthorizedOperation',
      'ExpiredToken',
      'ExpiredTokenException',
      'InvalidIdentityToken',
      'InvalidTokenException',
      'InvalidClientTokenId',
      'IDPCommunicationError',
    ]) {
      assert.ok(isCredentialError(code), code);
    }
    for (const code of [undefined, 'ThrottlingException', 'ValidationException', 'InternalServerException']) {
      assert.ok(!isCredentialError(code), String(code));
    }
  });

  test('failed web identity, refused Pod Identity sessions and denied calls of its sessions are its own; the agent’s are the cluster’s', () => {
    const podSession = `eks-prod-clust-reconciler-2f0c8a4e-1b5d-4c3e-9a7f-6d8e0b1c2a3f`;
    const events = [
      web('2025-01-01T00:10:00.000Z', 'InvalidIdentityToken'),
      web('2025-01-01T00:20:00.000Z', undefined, 'botocore-session-2'),
      sessionCall('2025-01-01T00:25:00.000Z', 'botocore-session-2', 'AccessDenied'),
      podIdentity('2025-01-01T01:00:00.000Z', 'AccessDenied'),
      podIdentity('2025-01-01T02:00:00.000Z'),
      sessionCall('2025-01-01T02:30:00.000Z', podSession, 'ExpiredTokenException'),
      sessionCall('2025-01-01T02:31:00.000Z', podSession),
      sessionCall('2025-01-01T02:32:00.000Z', podSession, 'ThrottlingException'),
      agent('2025-01-01T01:00:00.000Z', 'AccessDeniedException'),
      agent('2025-01-01T02:00:00.000Z'),
    ];
    const counts = credentialErrors(events, target);
    assert.equal(counts.count, 4);
    assert.equal(counts.agent, 1);
    assert.deepEqual(counts.codes, {
      InvalidIdentityToken: 1,
      AccessDenied: 2,
      ExpiredTokenException: 1,
      AccessDeniedException: 1,
    });
    assert.deepEqual(counts.pods, ['reconciler-7d9f-abcde']);
    assert.equal(counts.eventIds.length, 5);
    assert.equal(counts.eventIds[0], events[5]!.eventId, 'newest first');
  });

  test('other service accounts, other roles, other clusters and events outside the window are not its own', () => {
    const events = [
      web('2025-01-01T00:10:00.000Z', 'AccessDenied', 'botocore-session-9', 'other'),
      podIdentity('2025-01-01T01:00:00.000Z', 'AccessDenied', 'other-5f-xyz', 'other'),
      sessionCall('2025-01-01T01:10:00.000Z', 'eks-prod-clust-x-1', 'AccessDenied', 'another-role'),
      sessionCall('2025-01-01T01:10:00.000Z', 'eks-staging-cl-x-1', 'AccessDenied'),
      web('2025-01-01T05:00:00.000Z', 'AccessDenied'),
      agent('2025-01-01T01:00:00.000Z', 'AccessDeniedException', 'staging'),
    ];
    const counts = credentialErrors(events, target);
    assert.equal(counts.count, 0, JSON.stringify(counts));
    assert.equal(counts.agent, 0);
  });

  test('a refused Pod Identity assumption opens no session for the evidence', () => {
    const sessions = podIdentitySessions([podIdentity('2025-01-01T01:00:00.000Z', 'AccessDenied')], {
      eksClusterName: 'prod-cluster-a',
      serviceAccount: target.serviceAccount,
      roleArn: ROLE,
      since: target.since,
    });
    assert.deepEqual(sessions, []);
  });

  test('the event names to look sessions’ calls up by come from the role’s actions, without wildcards, bounded', () => {
    assert.deepEqual(
      eventNamesOfActions(['s3:GetObject', 'ssm:GetParameter', 's3:Get*', 'kms:Decrypt', 'ssm:GetParameter']),
      ['Decrypt', 'GetObject', 'GetParameter'],
    );
    assert.equal(
      eventNamesOfActions(
        Array.from({ length: 20 }, (_, i) => `svc:Action${i}`),
        8,
      ).length,
      8,
    );
  });
});
