import { ValidationError } from './errors.js';
import type { ServiceAccountRef } from './types.js';

// Kubernetes' own validation (apimachinery IsDNS1123Label / IsDNS1123Subdomain).
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL_MAX = 63;
const DNS1123_SUBDOMAIN_MAX = 253;

const ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role(\/.*)$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
// IAM's own path pattern: `/` or `/<printable ASCII>/`, at most 512 characters.
const ROLE_PATH = /^\/([\x21-\x7e]+\/)?$/;
const ROLE_PATH_MAX = 512;

const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/;

export function isDns1123Label(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX && DNS1123_LABEL.test(value);
}

export function isDns1123Subdomain(value: string): boolean {
  return value.length <= DNS1123_SUBDOMAIN_MAX && DNS1123_SUBDOMAIN.test(value);
}

/** `<namespace>/<name>`, validated as Kubernetes validates them. */
export function parseServiceAccountRef(text: string): ServiceAccountRef {
  const trimmed = text.trim();
  const parts = trimmed.split('/');
  if (parts.length !== 2) {
    throw new ValidationError(
      `service account "${trimmed}" must be written <namespace>/<name>, e.g. payments/api`,
      'serviceAccount',
    );
  }
  const [namespace = '', name = ''] = parts;
  if (!isDns1123Label(namespace)) {
    throw new ValidationError(
      `namespace "${namespace}" is not a valid Kubernetes namespace (lowercase letters, digits and '-', ` +
        `starting and ending with a letter or digit, at most ${DNS1123_LABEL_MAX} characters)`,
      'serviceAccount',
    );
  }
  if (!isDns1123Subdomain(name)) {
    throw new ValidationError(
      `service account name "${name}" is not a valid Kubernetes name (lowercase letters, digits, '-' and '.', ` +
        `starting and ending with a letter or digit, at most ${DNS1123_SUBDOMAIN_MAX} characters)`,
      'serviceAccount',
    );
  }
  return { namespace, name };
}

export function formatServiceAccountRef(sa: ServiceAccountRef): string {
  return `${sa.namespace}/${sa.name}`;
}

export interface RoleArnParts {
  partition: string;
  accountId: string;
  /** `/` or `/a/b/`. */
  path: string;
  roleName: string;
}

export function parseRoleArn(arn: string): RoleArnParts {
  const trimmed = arn.trim();
  const fail = (why: string): never => {
    throw new ValidationError(
      `role ARN "${trimmed}" is not an IAM role ARN (expected arn:aws:iam::<12-digit account>:role/<name>): ${why}`,
      'roleArn',
    );
  };
  const match = ROLE_ARN.exec(trimmed);
  if (!match) return fail('wrong shape, partition or account');
  const [, partition = '', accountId = '', pathAndName = ''] = match;
  const lastSlash = pathAndName.lastIndexOf('/');
  const path = pathAndName.slice(0, lastSlash + 1);
  const roleName = pathAndName.slice(lastSlash + 1);
  if (!ROLE_NAME.test(roleName)) return fail(`role name "${roleName}" must be 1-64 of letters, digits and +=,.@_-`);
  if (path.length > ROLE_PATH_MAX || !ROLE_PATH.test(path)) {
    return fail(`path "${path}" must be / or /segment/.../`);
  }
  return { partition, accountId, path, roleName };
}

/** Comma separated cluster names; `known` (the fleet) restricts them when given. */
export function parseClusterList(text: string, known?: readonly string[]): string[] {
  const names = text.split(',').map((part) => part.trim());
  if (names.length === 1 && names[0] === '') {
    throw new ValidationError('no clusters given: list at least one cluster name', 'clusters');
  }
  const seen = new Set<string>();
  names.forEach((name, index) => {
    if (name === '') {
      throw new ValidationError(
        `cluster list "${text.trim()}" has an empty entry at position ${index + 1}`,
        'clusters',
      );
    }
    if (!EKS_CLUSTER_NAME.test(name)) {
      throw new ValidationError(
        `cluster name "${name}" is not a valid EKS cluster name (1-100 letters, digits, '-' and '_', starting with a letter or digit)`,
        'clusters',
      );
    }
    if (seen.has(name)) throw new ValidationError(`cluster "${name}" is listed more than once`, 'clusters');
    seen.add(name);
  });
  if (known) {
    const unknown = names.filter((name) => !known.includes(name));
    if (unknown.length > 0) {
      const knownText = known.length > 0 ? known.join(', ') : '(none)';
      throw new ValidationError(
        `unknown cluster${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: known clusters are ${knownText}`,
        'clusters',
      );
    }
  }
  return names;
}

/** Trimmed, de-duplicated (first occurrence wins), blanks dropped. */
export function validateApprovers(list: string[]): string[] {
  const result: string[] = [];
  for (const entry of list) {
    const approver = entry.trim();
    if (approver !== '' && !result.includes(approver)) result.push(approver);
  }
  return result;
}

/**
 * What is wrong with an association's roles for a cluster, if anything. The association's
 * role must be in the cluster's account (EKS passes it, and PassRole does not cross
 * accounts); a target role, reached by role chaining, may be in any account of the same
 * partition (EKS User Guide, "Access AWS Resources using EKS Pod Identity Target IAM Roles":
 * "The EKS Pod Identity role must be in your EKS cluster's account ..., while the Target IAM
 * Role can be in any AWS account").
 */
export function associationRoleProblems(
  roles: { roleArn: string; targetRoleArn?: string },
  cluster: { partition: string; accountId: string },
): string[] {
  const problems: string[] = [];
  const parse = (arn: string): RoleArnParts | undefined => {
    try {
      return parseRoleArn(arn);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      problems.push(err.message);
      return undefined;
    }
  };
  const role = parse(roles.roleArn);
  if (role && role.accountId !== cluster.accountId) {
    problems.push(
      `role ${roles.roleArn} is in account ${role.accountId}; an association's role must be in the cluster's account ${cluster.accountId} ` +
        `(a role in another account can only be its target role, reached through a role of ${cluster.accountId})`,
    );
  }
  for (const [name, parts] of [
    ['role', role],
    ['target role', roles.targetRoleArn === undefined ? undefined : parse(roles.targetRoleArn)],
  ] as const) {
    if (parts && parts.partition !== cluster.partition) {
      problems.push(`${name} is in partition ${parts.partition}, the cluster in ${cluster.partition}`);
    }
  }
  return problems;
}
