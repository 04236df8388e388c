import type { Diagnosis } from '../../src/domain/diagnosis.js';

export const DIAGNOSIS_URL =
  'http://127.0.0.1:8233/namespaces/default/workflows/migrate-identity-diagnose%2Forders%2Fcheckout%2F1a2b3c4d';

/** The drift incident diagnosed: IRSA fine in sandbox-a, the trust update missing in sandbox-b. */
export function diagnosisFixture(): Diagnosis {
  return {
    serviceAccount: 'orders/checkout',
    clusters: ['sandbox-a', 'sandbox-b'],
    diagnosedAt: '2026-01-02T03:04:05.000Z',
    workflowId: 'migrate-identity-diagnose/orders/checkout/1a2b3c4d',
    rows: [
      {
        cluster: 'sandbox-a',
        check: 'service-account',
        status: 'pass',
        reason: '2 running pod(s) use orders/checkout (deployment/checkout)',
      },
      {
        cluster: 'sandbox-a',
        check: 'caller-identity',
        status: 'pass',
        reason:
          'verification pod mi-verify-0123456789abcdef-a1b2c3: caller identity arn:aws:sts::111122223333:assumed-role/eks-orders-checkout/botocore-session-1 (irsa)',
      },
      {
        cluster: 'sandbox-a',
        check: 'association',
        status: 'skip',
        reason: 'no association: orders/checkout is on IRSA here',
      },
      {
        cluster: 'sandbox-a',
        check: 'irsa-consistency',
        status: 'pass',
        reason: 'annotation arn:aws:iam::111122223333:role/eks-orders-checkout',
      },
      {
        cluster: 'sandbox-b',
        check: 'service-account',
        status: 'pass',
        reason: '2 running pod(s) use orders/checkout (deployment/checkout)',
      },
      {
        cluster: 'sandbox-b',
        check: 'caller-identity',
        status: 'fail',
        reason:
          'verification pod mi-verify-0123456789abcdef-d4e5f6: probe exited 254: credentials refused: AccessDenied <AssumeRoleWithWebIdentity>',
        next: 'kubectl --context sandbox-b --namespace orders run mi-probe --rm -i --restart=Never --image=public.ecr.aws/aws-cli/aws-cli:2.22.0 --overrides=\'{"spec":{"serviceAccountName":"checkout"}}\' --command -- aws sts get-caller-identity',
      },
      {
        cluster: 'sandbox-b',
        check: 'irsa-consistency',
        status: 'fail',
        reason:
          "irsa-trust-missing: sandbox-b orders/checkout: role eks-orders-checkout's trust lacks this cluster's OIDC issuer or subject",
        next: "aws iam update-assume-role-policy --role-name eks-orders-checkout --policy-document '{…}'",
      },
    ],
    summary: { pass: 4, fail: 2, warn: 0, skip: 1 },
  };
}
