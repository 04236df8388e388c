import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { scanAwsOperations, scanKubernetesCalls, type Source } from '../support/permission-scan.js';

const PREFIXES = { 'client-eks': 'eks', 'client-iam': 'iam', 'client-sts': 'sts' };
const source = (text: string): Source => ({ path: 'src/adapters/x.ts', text });

describe('scanAwsOperations', () => {
  test('finds commands, paginators and namespaced commands, but not comments or types', () => {
    const { uses, problems } = scanAwsOperations(
      [
        source(`
          import { IAMClient, ListRolesCommand, NoSuchEntityException, paginateListOpenIDConnectProviders } from '@aws-sdk/client-iam';
          import type { GetRoleCommandOutput } from '@aws-sdk/client-iam';
          import { type DeleteRoleCommand } from '@aws-sdk/client-iam';
          import * as eks from '@aws-sdk/client-eks';
          // new DeleteRolePolicyCommand({}) would need iam:DeleteRolePolicy
          await client.send(new ListRolesCommand({}));
          await client.send(new eks.UpdatePodIdentityAssociationCommand({}));
        `),
      ],
      PREFIXES,
    );
    assert.deepEqual(problems, []);
    assert.deepEqual([...uses.keys()].sort(), [
      'eks:UpdatePodIdentityAssociation',
      'iam:ListOpenIDConnectProviders',
      'iam:ListRoles',
    ]);
    assert.deepEqual(uses.get('iam:ListRoles'), ['src/adapters/x.ts:2', 'src/adapters/x.ts:7']);
  });

  test('reads a presigned query request, not a policy statement', () => {
    const { uses, problems } = scanAwsOperations(
      [
        source(`
          const signer = new SignatureV4({ service: 'sts', region });
          const query = { Action: 'GetCallerIdentity', Version: '2011-06-15' };
          const statement = { Effect: 'Allow', Action: 'sts:AssumeRole' };
        `),
      ],
      PREFIXES,
    );
    assert.deepEqual(problems, []);
    assert.deepEqual([...uses.keys()], ['sts:GetCallerIdentity']);
  });

  test('says what it cannot classify instead of skipping it', () => {
    const { problems } = scanAwsOperations(
      [
        source(`
          import { waitUntilClusterActive } from '@aws-sdk/client-eks';
          import { GetObjectCommand } from '@aws-sdk/client-s3';
          const command = new TagRoleCommand({});
        `),
      ],
      PREFIXES,
    );
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(problems[0]!, /x\.ts:2 imports waitUntilClusterActive from @aws-sdk\/client-eks/);
    assert.match(problems[1]!, /@aws-sdk\/client-s3, whose IAM service prefix the scan does not know/);
    assert.match(problems[2]!, /x\.ts:4 builds TagRoleCommand without importing it/);
  });
});

describe('scanKubernetesCalls', () => {
  const catalogue = {
    apiClasses: new Set(['CoreV1Api', 'AppsV1Api']),
    apiMethods: new Set(['listPodForAllNamespaces', 'readNamespacedPod', 'deleteNamespacedPod']),
    helpers: new Set(['Exec', 'Watch']),
    inert: new Set(['KubeConfig']),
  };

  test('finds API methods (and their WithHttpInfo twins) and helper classes', () => {
    const { uses, problems } = scanKubernetesCalls(
      [
        source(`
          import { CoreV1Api, Exec, KubeConfig } from '@kubernetes/client-node';
          // c.core.deleteNamespacedPod({ namespace, name }) is never called
          await c.core.listPodForAllNamespaces({ limit: 500 });
          await c.core.readNamespacedPodWithHttpInfo({ namespace, name });
          const exec = new Exec(kc);
        `),
      ],
      catalogue,
    );
    assert.deepEqual(problems, []);
    assert.deepEqual([...uses.keys()].sort(), ['Exec', 'listPodForAllNamespaces', 'readNamespacedPod']);
  });

  test('refuses client-node values it cannot map to RBAC rules', () => {
    const { uses, problems } = scanKubernetesCalls(
      [
        source(`
          import { KubernetesObjectApi, Watch } from '@kubernetes/client-node';
          import * as k8s from '@kubernetes/client-node';
        `),
      ],
      catalogue,
    );
    assert.deepEqual([...uses.keys()], ['Watch']);
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0]!, /imports all of client-node as k8s/);
    assert.match(problems[1]!, /x\.ts:2 imports KubernetesObjectApi from @kubernetes\/client-node/);
  });
});
