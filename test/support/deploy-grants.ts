/**
 * Reads the grants shipped under deploy/: IAM policy documents and the RBAC manifest,
 * checking on the way that each has the shape IAM and Kubernetes accept and that we allow.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

/**
 * Account-wide listings with no resource type in the Service Authorization Reference for IAM
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html):
 * a policy can grant them only on "*". The fleet scan needs them to find every role and OIDC provider.
 */
export const ACCOUNT_LEVEL_ACTIONS = new Set([
  'iam:ListRoles',
  'iam:ListOpenIDConnectProviders',
  'cloudtrail:LookupEvents',
]);

export interface Statement {
  Sid?: unknown;
  Effect?: unknown;
  Action?: unknown;
  Resource?: unknown;
  Condition?: unknown;
  [key: string]: unknown;
}

export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** Checks the shape IAM accepts (and we allow), and returns the actions allowed. */
export function readPolicy(root: string, file: string): { allowed: Set<string>; statements: Statement[] } {
  const text = readFileSync(root + file, 'utf8');
  const policy = JSON.parse(text) as { Version?: unknown; Statement?: unknown };
  assert.equal(policy.Version, '2012-10-17', `${file}: Version must be 2012-10-17`);
  assert.ok(Array.isArray(policy.Statement) && policy.Statement.length > 0, `${file}: Statement must be a list`);
  // A customer managed policy holds at most 6,144 characters, whitespace not counted (IAM quotas).
  assert.ok(JSON.stringify(policy).length <= 6144, `${file} is over IAM's 6,144-character managed policy limit`);
  const statements = policy.Statement as Statement[];
  const sids = new Set<string>();
  const allowed = new Set<string>();
  for (const [i, s] of statements.entries()) {
    const at = `${file}: Statement[${i}]`;
    assert.ok(typeof s.Sid === 'string' && /^[A-Za-z0-9]+$/.test(s.Sid), `${at}: Sid must be alphanumeric`);
    assert.ok(!sids.has(s.Sid), `${at}: Sid ${s.Sid} repeats`);
    sids.add(s.Sid);
    const extra = Object.keys(s).filter((key) => !['Sid', 'Effect', 'Action', 'Resource', 'Condition'].includes(key));
    assert.deepEqual(extra, [], `${at}: only Sid, Effect, Action, Resource and Condition (no NotAction/NotResource)`);
    assert.ok(s.Effect === 'Allow' || s.Effect === 'Deny', `${at}: Effect must be Allow or Deny`);
    const actions = list(s.Action);
    const resources = list(s.Resource);
    for (const action of actions) {
      assert.ok(
        typeof action === 'string' && /^[a-z0-9-]+:[A-Za-z]+$/.test(action),
        `${at}: bad action ${String(action)}`,
      );
      if (s.Effect === 'Allow') allowed.add(action);
    }
    assert.ok(actions.length > 0 && resources.length > 0, `${at}: no Action or no Resource`);
    for (const resource of resources) {
      if (resource === '*') {
        // Only actions that the Service Authorization Reference lists with no resource type
        // may (and must) use "*"; every other action is scoped to ARNs.
        const scoped = actions.filter((action) => !ACCOUNT_LEVEL_ACTIONS.has(String(action)));
        assert.deepEqual(scoped, [], `${at}: "Resource": "*" for actions that support resource-level ARNs`);
        continue;
      }
      assert.ok(
        typeof resource === 'string' && resource.startsWith('arn:aws:'),
        `${at}: bad resource ${String(resource)}`,
      );
    }
  }
  return { allowed, statements };
}

interface RbacObject {
  kind?: string;
  metadata?: { name?: string };
  rules?: { apiGroups?: string[]; resources?: string[]; verbs?: string[]; resourceNames?: string[] }[];
  roleRef?: { kind?: string; name?: string };
  subjects?: { kind?: string; name?: string }[];
}

/** Checks the manifest parses, uses no wildcards and binds every role to the group; returns the rules granted. */
export function readRbac(root: string, file: string, group: string): Set<string> {
  const docs = parseAllDocuments(readFileSync(root + file, 'utf8'));
  assert.ok(Array.isArray(docs), `${file}: no YAML documents`);
  for (const doc of docs) assert.deepEqual(doc.errors, [], `${file} is not valid YAML`);
  const objects = docs.map((doc) => doc.toJS() as RbacObject);
  for (const { kind } of objects) {
    assert.ok(kind === 'ClusterRole' || kind === 'ClusterRoleBinding', `${file}: the test does not read a ${kind}`);
  }
  const roles = objects.filter((o) => o.kind === 'ClusterRole');
  const bindings = objects.filter((o) => o.kind === 'ClusterRoleBinding');
  assert.ok(roles.length > 0, `${file}: no ClusterRole`);
  const granted = new Set<string>();
  for (const role of roles) {
    const name = role.metadata?.name;
    const bound = bindings.some(
      (b) =>
        b.roleRef?.kind === 'ClusterRole' &&
        b.roleRef.name === name &&
        (b.subjects ?? []).some((s) => s.kind === 'Group' && s.name === group),
    );
    assert.ok(bound, `${file}: ClusterRole ${name} is not bound to the group ${group}`);
    for (const rule of role.rules ?? []) {
      const all = [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...(rule.verbs ?? [])];
      assert.ok(!all.includes('*'), `${file}: ClusterRole ${name} has a wildcard`);
      assert.equal(rule.resourceNames, undefined, `${file}: the scan cannot check resourceNames`);
      for (const group of rule.apiGroups ?? [])
        for (const resource of rule.resources ?? [])
          for (const verb of rule.verbs ?? [])
            granted.add(`${verb} ${group === '' ? resource : `${resource}.${group}`}`);
    }
  }
  return granted;
}
