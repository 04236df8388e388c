/**
 * `arn:aws:eks:us-east-1:111122223333:cluster/prod-a`: how EKS names a cluster, and how
 * `aws eks update-kubeconfig` names the kubeconfig context (and cluster entry) it writes.
 */
export interface EksClusterArn {
  partition: string;
  region: string;
  accountId: string;
  name: string;
}

const CLUSTER_ARN = /^arn:(aws[a-z-]*):eks:([a-z0-9-]+):(\d{12}):cluster\/([0-9A-Za-z][A-Za-z0-9_-]*)$/;

export function parseEksClusterArn(text: string): EksClusterArn | undefined {
  const match = CLUSTER_ARN.exec(text.trim());
  if (!match) return undefined;
  const [, partition = '', region = '', accountId = '', name = ''] = match;
  return { partition, region, accountId, name };
}
