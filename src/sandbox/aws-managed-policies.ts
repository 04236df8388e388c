/**
 * AWS managed policies the sandbox's account can attach, with their default versions as
 * the AWS Managed Policy Reference gives them. IAM serves these under `arn:aws:iam::aws:policy/`.
 */
import type { PolicyDocument } from '../domain/types.js';

const workerNode = (actions: string[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Sid: 'WorkerNodePermissions', Effect: 'Allow', Action: actions, Resource: '*' }],
});

/** By policy name. */
export const AWS_MANAGED_POLICIES: Record<string, PolicyDocument> = {
  // AWS Managed Policy Reference, AmazonEKSWorkerNodePolicy, version v3.
  AmazonEKSWorkerNodePolicy: workerNode([
    'ec2:DescribeInstances',
    'ec2:DescribeInstanceTypes',
    'ec2:DescribeRouteTables',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSubnets',
    'ec2:DescribeVolumes',
    'ec2:DescribeVolumesModifications',
    'ec2:DescribeVpcs',
    'eks:DescribeCluster',
    'eks-auth:AssumeRoleForPodIdentity',
  ]),
  // AWS Managed Policy Reference, AmazonEKSWorkerNodeMinimalPolicy, version v1.
  AmazonEKSWorkerNodeMinimalPolicy: workerNode(['eks-auth:AssumeRoleForPodIdentity']),
  // AWS Managed Policy Reference, AmazonEC2ContainerRegistryReadOnly (abridged to its actions).
  AmazonEC2ContainerRegistryReadOnly: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'ecr:GetAuthorizationToken',
          'ecr:BatchCheckLayerAvailability',
          'ecr:GetDownloadUrlForLayer',
          'ecr:GetRepositoryPolicy',
          'ecr:DescribeRepositories',
          'ecr:ListImages',
          'ecr:DescribeImages',
          'ecr:BatchGetImage',
          'ecr:GetLifecyclePolicy',
          'ecr:GetLifecyclePolicyPreview',
          'ecr:ListTagsForResource',
          'ecr:DescribeImageScanFindings',
        ],
        Resource: '*',
      },
    ],
  },
};

/** The document of an AWS managed policy ARN (`arn:<partition>:iam::aws:policy/<name>`), if the sandbox knows it. */
export function awsManagedPolicy(arn: string): PolicyDocument | undefined {
  const name = /^arn:aws[\w-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
  return name === undefined ? undefined : AWS_MANAGED_POLICIES[name];
}
