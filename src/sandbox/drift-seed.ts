/**
 * The default fleet plus IRSA drift: `sandbox reset --with-drift`, and the fleet the scan
 * tests read. The default seed (and so the demo) stays as it is; every case below lives in
 * a namespace of its own, and nothing here touches `payments/reconciler`.
 *
 * - The seed's incident: `orders/checkout` runs in sandbox-a, -b and -c, annotated with role
 *   `eks-orders-checkout`. One cluster got the trust update, two did not: sandbox-b's
 *   statement still admits the old subject `orders:checkout-legacy`, sandbox-c has none.
 * - `search/indexer` is annotated with `eks-search-indexer` in sandbox-a and
 *   `eks-search-indexer-v2` in sandbox-b (each trusted where used). `eks-search-indexer`
 *   still trusts the OIDC issuer of a decommissioned cluster, whose provider is gone.
 * - `orders/fulfilment` in sandbox-a: annotated with `eks-orders-fulfilment`, associated
 *   with `eks-orders-fulfilment-v2`; its pods run on Pod Identity.
 * - Associations for what no longer exists: `payments/settlement-exporter` in sandbox-b (the
 *   service account is gone) and `legacy-billing/invoice-sync` in sandbox-c (the namespace is).
 * - `search/query-api` in sandbox-c: associated with `eks-search-query-api`, whose trust has
 *   an IRSA statement only, not `pods.eks.amazonaws.com`.
 * - `payments/notifier` in sandbox-a: associated with `eks-payments-notifier`, healthy.
 * - Role `eks-reports-generator` trusts Pod Identity; no association uses it.
 * - `tools/backup` in sandbox-b: its pods set `AWS_ACCESS_KEY_ID` themselves.
 */
import { IRSA_ANNOTATION } from '../domain/constants.js';
import { irsaStatement, podIdentityStatement } from '../domain/trust-policy.js';
import type { PolicyStatement } from '../domain/types.js';
import { putRole, putServiceAccount, putWorkload } from './fixtures.js';
import { stableHex } from './ids.js';
import { requireCluster } from './runtime.js';
import { irsaTrustStatement, SEED_ACCOUNT, SEED_REGION, SEED_TIME, seedFleet } from './seed.js';
import type { FleetState } from './state.js';

const roleArn = (name: string) => `arn:aws:iam::${SEED_ACCOUNT}:role/${name}`;
const subject = (namespace: string, name: string) => `system:serviceaccount:${namespace}:${name}`;
const podIdentityTrust = (): PolicyStatement => podIdentityStatement('PodIdentity');
const readBucket = (bucket: string): PolicyStatement => ({
  Effect: 'Allow',
  Action: ['s3:GetObject'],
  Resource: `arn:aws:s3:::${bucket}/*`,
});

/** The issuer of a cluster that no longer exists: its IAM OIDC provider was deleted with it. */
export const DECOMMISSIONED_ISSUER = `https://oidc.eks.${SEED_REGION}.amazonaws.com/id/${stableHex('sandbox-retired', 32)}`;

function role(state: FleetState, name: string, trust: PolicyStatement[]): void {
  putRole(state, {
    name,
    trustPolicy: { Version: '2012-10-17', Statement: trust },
    inlinePolicies: { data: { Version: '2012-10-17', Statement: [readBucket(name)] } },
  });
}

function app(
  state: FleetState,
  cluster: string,
  namespace: string,
  name: string,
  options: { role?: string; env?: Record<string, string> } = {},
) {
  putServiceAccount(state, cluster, {
    namespace,
    name,
    annotations: options.role === undefined ? {} : { [IRSA_ANNOTATION]: roleArn(options.role) },
  });
  const image = `${SEED_ACCOUNT}.dkr.ecr.${SEED_REGION}.amazonaws.com/${namespace}/${name}:1.0.0`;
  putWorkload(
    state,
    cluster,
    { namespace, name, serviceAccount: name, containers: [{ name, image, env: options.env ?? {} }] },
    SEED_TIME,
  );
}

/** An association that settled long before the seed's pods started, so they were admitted with it. */
function association(state: FleetState, cluster: string, namespace: string, serviceAccount: string, role: string) {
  const id = `a-${stableHex(`${cluster}/${namespace}/${serviceAccount}`, 17).toLowerCase()}`;
  requireCluster(state, cluster).associations.push({
    associationId: id,
    associationArn: `arn:aws:eks:${SEED_REGION}:${SEED_ACCOUNT}:podidentityassociation/${cluster}/${id}`,
    namespace,
    serviceAccount,
    roleArn: roleArn(role),
    clientRequestToken: `seed-${id}`,
    tags: {},
    createdAt: SEED_TIME - 3_600_000,
    visibleFrom: SEED_TIME - 3_600_000,
  });
}

export function driftSeedFleet(): FleetState {
  const s = seedFleet();

  // The seed's incident.
  for (const cluster of ['sandbox-a', 'sandbox-b', 'sandbox-c'])
    app(s, cluster, 'orders', 'checkout', { role: 'eks-orders-checkout' });
  role(s, 'eks-orders-checkout', [
    irsaTrustStatement(s, 'sandbox-a', [subject('orders', 'checkout')]),
    irsaTrustStatement(s, 'sandbox-b', [subject('orders', 'checkout-legacy')]),
  ]);

  // One service account, two roles; and trust left behind for a cluster that is gone.
  app(s, 'sandbox-a', 'search', 'indexer', { role: 'eks-search-indexer' });
  app(s, 'sandbox-b', 'search', 'indexer', { role: 'eks-search-indexer-v2' });
  role(s, 'eks-search-indexer', [
    irsaTrustStatement(s, 'sandbox-a', [subject('search', 'indexer')]),
    irsaStatement(SEED_ACCOUNT, DECOMMISSIONED_ISSUER, 'search', 'indexer'),
  ]);
  role(s, 'eks-search-indexer-v2', [irsaTrustStatement(s, 'sandbox-b', [subject('search', 'indexer')])]);

  // Mid-migration with the association on another role than the annotation.
  association(s, 'sandbox-a', 'orders', 'fulfilment', 'eks-orders-fulfilment-v2');
  app(s, 'sandbox-a', 'orders', 'fulfilment', { role: 'eks-orders-fulfilment' });
  role(s, 'eks-orders-fulfilment', [irsaTrustStatement(s, 'sandbox-a', [subject('orders', 'fulfilment')])]);
  role(s, 'eks-orders-fulfilment-v2', [podIdentityTrust()]);

  // Associations outliving their service account, and their namespace.
  association(s, 'sandbox-b', 'payments', 'settlement-exporter', 'eks-payments-settlement-exporter');
  role(s, 'eks-payments-settlement-exporter', [podIdentityTrust()]);
  association(s, 'sandbox-c', 'legacy-billing', 'invoice-sync', 'eks-legacy-invoice-sync');
  role(s, 'eks-legacy-invoice-sync', [podIdentityTrust()]);

  // An association whose role never got the Pod Identity trust.
  association(s, 'sandbox-c', 'search', 'query-api', 'eks-search-query-api');
  app(s, 'sandbox-c', 'search', 'query-api');
  role(s, 'eks-search-query-api', [irsaTrustStatement(s, 'sandbox-c', [subject('search', 'query-api')])]);

  // Healthy Pod Identity, a role trusted for it that nothing uses, and hand-set keys.
  association(s, 'sandbox-a', 'payments', 'notifier', 'eks-payments-notifier');
  app(s, 'sandbox-a', 'payments', 'notifier');
  role(s, 'eks-payments-notifier', [podIdentityTrust()]);
  role(s, 'eks-reports-generator', [podIdentityTrust()]);
  app(s, 'sandbox-b', 'tools', 'backup', {
    // From a Secret: valueFrom entries read as ''.
    env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
  });
  return s;
}
