/**
 * The IRSA drift every generated fleet carries, one case per finding the scan reports, in
 * the first three clusters (a, b, c) and the last (the OIDC provider deleted, set by the
 * generator). Like the drift seed (drift-seed.ts), each case has names of its own:
 *
 * - The seed's incident: `orders/checkout` runs in a, b and c, annotated with role
 *   `eks-orders-checkout`. One cluster got the trust update, two did not: b's statement
 *   still admits the old subject `orders:checkout-legacy`, c has none.
 * - `orders/refunds` in b is annotated with a role that does not exist.
 * - `search/indexer` is annotated with `eks-search-indexer` in a and `eks-search-indexer-v2`
 *   in b; `eks-search-indexer` still trusts the issuer of a decommissioned cluster.
 * - `orders/fulfilment` in a: annotated with one role, associated with another.
 * - Associations for what no longer exists: `payments/settlement-exporter` in b (the
 *   service account) and `legacy-billing/invoice-sync` in c (the namespace).
 * - `search/query-api` in c: associated with a role that does not trust Pod Identity.
 * - `eks-reports-generator` trusts Pod Identity; no association uses it.
 * - `payments/notifier` in a and b runs on Pod Identity, healthy; `tools/backup` in b sets
 *   static keys.
 */
import { irsaStatement, podIdentityStatement } from '../domain/trust-policy.js';
import type { PolicyStatement } from '../domain/types.js';
import { DECOMMISSIONED_ISSUER } from './drift-seed.js';
import { putRole } from './fixtures.js';
import type { Placement } from './generate-place.js';
import { placeAssociation, placeServiceAccount } from './generate-place.js';
import { irsaTrustStatement } from './seed.js';
import type { ClusterState, FleetState } from './state.js';

/** Service accounts the cases take in clusters a, b and c. */
export const DRIFT_SLOTS: readonly number[] = [4, 5, 2];

/** Namespaces the generator's own apps stay out of. */
export const DRIFT_NAMESPACES = ['legacy-billing', 'tools'];

const subject = (namespace: string, name: string) => `system:serviceaccount:${namespace}:${name}`;

export function addDriftCases(state: FleetState, clusters: readonly [string, string, string]): void {
  const [a, b, c] = clusters;
  const arn = (role: string) => `arn:aws:iam::${state.accountId}:role/${role}`;
  const role = (name: string, trust: PolicyStatement[]) =>
    putRole(state, {
      name,
      trustPolicy: { Version: '2012-10-17', Statement: trust },
      inlinePolicies: {
        data: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: `arn:aws:s3:::${name}/*` }],
        },
      },
    });
  const app = (cluster: string, namespace: string, name: string, options: Partial<Placement> = {}) =>
    placeServiceAccount(state, cluster, {
      namespace,
      name,
      controller: 'Deployment',
      replicas: 2,
      env: {},
      awsCli: true,
      image: `${state.accountId}.dkr.ecr.${state.region}.amazonaws.com/${namespace}/${name}:1.0.0`,
      ...options,
    });
  const association = (cluster: string, namespace: string, name: string, roleName: string) =>
    placeAssociation(state.clusters[cluster] as ClusterState, state, {
      namespace,
      serviceAccount: name,
      roleArn: arn(roleName),
    });
  const podIdentity = () => podIdentityStatement('PodIdentity');

  for (const cluster of [a, b, c]) app(cluster, 'orders', 'checkout', { annotation: arn('eks-orders-checkout') });
  role('eks-orders-checkout', [
    irsaTrustStatement(state, a, [subject('orders', 'checkout')]),
    irsaTrustStatement(state, b, [subject('orders', 'checkout-legacy')]),
  ]);

  app(b, 'orders', 'refunds', { annotation: arn('eks-orders-refunds') });

  app(a, 'search', 'indexer', { annotation: arn('eks-search-indexer') });
  app(b, 'search', 'indexer', { annotation: arn('eks-search-indexer-v2') });
  role('eks-search-indexer', [
    irsaTrustStatement(state, a, [subject('search', 'indexer')]),
    irsaStatement(state.accountId, DECOMMISSIONED_ISSUER, 'search', 'indexer'),
  ]);
  role('eks-search-indexer-v2', [irsaTrustStatement(state, b, [subject('search', 'indexer')])]);

  app(a, 'orders', 'fulfilment', {
    annotation: arn('eks-orders-fulfilment'),
    association: arn('eks-orders-fulfilment-v2'),
  });
  role('eks-orders-fulfilment', [irsaTrustStatement(state, a, [subject('orders', 'fulfilment')])]);
  role('eks-orders-fulfilment-v2', [podIdentity()]);

  association(b, 'payments', 'settlement-exporter', 'eks-payments-settlement-exporter');
  role('eks-payments-settlement-exporter', [podIdentity()]);
  association(c, 'legacy-billing', 'invoice-sync', 'eks-legacy-invoice-sync');
  role('eks-legacy-invoice-sync', [podIdentity()]);

  app(c, 'search', 'query-api', { association: arn('eks-search-query-api') });
  role('eks-search-query-api', [irsaTrustStatement(state, c, [subject('search', 'query-api')])]);

  for (const cluster of [a, b]) app(cluster, 'payments', 'notifier', { association: arn('eks-payments-notifier') });
  role('eks-payments-notifier', [podIdentity()]);
  role('eks-reports-generator', [podIdentity()]);
  app(b, 'tools', 'backup', { env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' }, awsCli: false });
}
