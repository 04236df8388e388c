import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Registered at server start (`npm start`, docker-compose, tests). Filter runs by these in the Temporal UI. */
export const MigrationPhaseKey = defineSearchAttributeKey('MigrationPhase', SearchAttributeType.KEYWORD);
export const ServiceAccountKey = defineSearchAttributeKey('ServiceAccount', SearchAttributeType.KEYWORD);
export const ClustersKey = defineSearchAttributeKey('Clusters', SearchAttributeType.KEYWORD_LIST);
export const RoleArnKey = defineSearchAttributeKey('RoleArn', SearchAttributeType.KEYWORD);
export const RequestedByKey = defineSearchAttributeKey('RequestedBy', SearchAttributeType.KEYWORD);
/** On a campaign and on every migration it starts: `CampaignId = "q3-payments"` lists them all. */
export const CampaignIdKey = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [
  MigrationPhaseKey,
  ServiceAccountKey,
  ClustersKey,
  RoleArnKey,
  RequestedByKey,
  CampaignIdKey,
];
