/** The Temporal UI page of a run: the link Slack messages, the CLI and the README point at. */
export function runUrl(uiUrl: string, namespace: string, workflowId: string, runId?: string): string {
  const base = `${uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}/history` : base;
}

/** The Temporal UI's list of the runs a visibility query selects, e.g. `CampaignId = "q3"`. */
export function listUrl(uiUrl: string, namespace: string, query: string): string {
  return `${uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`;
}

/** A campaign and every migration it started. */
export function campaignListUrl(uiUrl: string, namespace: string, campaignId: string): string {
  return listUrl(uiUrl, namespace, `CampaignId = "${campaignId}"`);
}
