/**
 * The default fleet plus a namespace of services to migrate as a campaign: what
 * `npm run demo -- campaign` resets the sandbox to. The default seed (and so the
 * single-migration demo) stays as it is; everything here lives in namespace `shop`.
 *
 * - Roles of their own, narrow: `shop/cart` (sandbox-a, -b, -c), `shop/catalog` (-a, -b),
 *   `shop/search` (-b, -c).
 * - A broad policy (`s3:*`): `shop/images` (sandbox-a, -c).
 * - One role for two service accounts: `shop/recommend` (-a, -b) and `shop/ranking`
 *   (-b, -c) both use `eks-shop-ml`, so a campaign migrates them one after the other.
 */
import { IRSA_ANNOTATION } from '../domain/constants.js';
import type { PolicyStatement } from '../domain/types.js';
import { putRole, putServiceAccount, putWorkload } from './fixtures.js';
import { irsaTrustStatement, SEED_ACCOUNT, SEED_REGION, SEED_TIME, seedFleet } from './seed.js';
import type { FleetState } from './state.js';

/** A service account with one Deployment (pods with the AWS CLI) in each of its clusters, on IRSA. */
export interface SandboxApp {
  namespace: string;
  name: string;
  clusters: string[];
  /** Its role's name; apps naming the same role share it. */
  role: string;
  /** The role's permissions; default: read one bucket. */
  permissions?: PolicyStatement[];
}

export const CAMPAIGN_DEMO_APPS: SandboxApp[] = [
  { namespace: 'shop', name: 'cart', clusters: ['sandbox-a', 'sandbox-b', 'sandbox-c'], role: 'eks-shop-cart' },
  { namespace: 'shop', name: 'catalog', clusters: ['sandbox-a', 'sandbox-b'], role: 'eks-shop-catalog' },
  { namespace: 'shop', name: 'search', clusters: ['sandbox-b', 'sandbox-c'], role: 'eks-shop-search' },
  {
    namespace: 'shop',
    name: 'images',
    clusters: ['sandbox-a', 'sandbox-c'],
    role: 'eks-shop-images',
    permissions: [{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::shop-images/*' }],
  },
  { namespace: 'shop', name: 'recommend', clusters: ['sandbox-a', 'sandbox-b'], role: 'eks-shop-ml' },
  { namespace: 'shop', name: 'ranking', clusters: ['sandbox-b', 'sandbox-c'], role: 'eks-shop-ml' },
];

const subject = (app: SandboxApp) => `system:serviceaccount:${app.namespace}:${app.name}`;

/** Adds the apps to `state`, each role trusting every cluster (and subject) that uses it. */
export function addSandboxApps(state: FleetState, apps: SandboxApp[]): FleetState {
  for (const app of apps) {
    for (const cluster of app.clusters) {
      putServiceAccount(state, cluster, {
        namespace: app.namespace,
        name: app.name,
        annotations: { [IRSA_ANNOTATION]: `arn:aws:iam::${SEED_ACCOUNT}:role/${app.role}` },
      });
      const image = `${SEED_ACCOUNT}.dkr.ecr.${SEED_REGION}.amazonaws.com/${app.namespace}/${app.name}:1.0.0`;
      putWorkload(
        state,
        cluster,
        {
          namespace: app.namespace,
          name: app.name,
          serviceAccount: app.name,
          containers: [{ name: app.name, image, env: {}, awsCli: true }],
        },
        SEED_TIME,
      );
    }
  }
  for (const role of new Set(apps.map((a) => a.role))) {
    const users = apps.filter((a) => a.role === role);
    const clusters = [...new Set(users.flatMap((a) => a.clusters))];
    putRole(state, {
      name: role,
      trustPolicy: {
        Version: '2012-10-17',
        Statement: clusters.map((cluster) =>
          irsaTrustStatement(state, cluster, users.filter((a) => a.clusters.includes(cluster)).map(subject), {
            audience: false,
          }),
        ),
      },
      inlinePolicies: {
        data: {
          Version: '2012-10-17',
          Statement: users[0]?.permissions ?? [
            { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${role}/*` },
          ],
        },
      },
    });
  }
  return state;
}

export function campaignSeedFleet(): FleetState {
  return addSandboxApps(seedFleet(), CAMPAIGN_DEMO_APPS);
}
