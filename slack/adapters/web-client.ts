import { webApi, type Logger } from '@slack/bolt';

export type WebClient = webApi.WebClient;

/**
 * Web API client settings shared by the Bolt app and the notifier. The client itself never
 * retries: `withSlackRetry` does, within a time budget, so a Slack outage cannot hold an
 * activity or a listener for the client's default half hour of retries.
 */
export function slackClientOptions(slack: { apiUrl?: string }, logger?: Logger): webApi.WebClientOptions {
  return {
    ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
    ...(logger ? { logger } : {}),
  };
}

export function createSlackWebClient(slack: { botToken: string; apiUrl?: string }, logger?: Logger): WebClient {
  return new webApi.WebClient(slack.botToken, slackClientOptions(slack, logger));
}
