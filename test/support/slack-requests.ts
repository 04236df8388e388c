import { createHmac, randomUUID } from 'node:crypto';

/**
 * Requests shaped and signed the way Slack sends them: form-encoded slash commands,
 * `payload=` form bodies for interactivity, `X-Slack-Signature: v0=HMAC-SHA256(v0:ts:body)`.
 */

export const TEAM_ID = 'T0TEAM';
export const APP_ID = 'A0APP';

export function signature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignOptions {
  secret: string;
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Override the computed signature (to send a bad one). */
  signature?: string;
  /** More headers, e.g. `x-slack-retry-num`. */
  headers?: Record<string, string>;
}

export interface SlackHttpResponse {
  status: number;
  text: string;
  ms: number;
}

export async function postSigned(url: string, body: string, options: SignOptions): Promise<SlackHttpResponse> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? signature(options.secret, timestamp, body),
      ...options.headers,
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - started };
}

export interface CommandFields {
  text: string;
  userId: string;
  channelId?: string;
  teamId?: string;
  appId?: string;
  responseUrl: string;
  triggerId?: string;
}

export function slashCommandBody(f: CommandFields): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: f.teamId ?? TEAM_ID,
    team_domain: 'example',
    channel_id: f.channelId ?? 'C0CHANNEL',
    channel_name: 'platform',
    user_id: f.userId,
    user_name: f.userId.toLowerCase(),
    command: '/migrate-identity',
    text: f.text,
    api_app_id: f.appId ?? APP_ID,
    is_enterprise_install: 'false',
    response_url: f.responseUrl,
    trigger_id: f.triggerId ?? `${Date.now()}.${randomUUID()}`,
  }).toString();
}

export function payloadBody(payload: object): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export interface ClickFields {
  actionId: string;
  value: string;
  userId: string;
  channelId: string;
  messageTs: string;
  responseUrl: string;
  teamId?: string;
  appId?: string;
}

/** A `block_actions` payload for a button in a message, as Slack sends it. */
export function buttonClick(f: ClickFields): object {
  return {
    type: 'block_actions',
    user: {
      id: f.userId,
      username: f.userId.toLowerCase(),
      name: f.userId.toLowerCase(),
      team_id: f.teamId ?? TEAM_ID,
    },
    api_app_id: f.appId ?? APP_ID,
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: f.messageTs, channel_id: f.channelId, is_ephemeral: false },
    trigger_id: `${Date.now()}.${randomUUID()}`,
    team: { id: f.teamId ?? TEAM_ID, domain: 'example' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: f.channelId, name: 'platform' },
    message: { type: 'message', ts: f.messageTs, user: 'UBOTUSER', text: 'Approval needed' },
    response_url: f.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: f.actionId,
        block_id: 'approval-actions',
        text: { type: 'plain_text', text: 'button' },
        value: f.value,
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
}

export interface SubmissionFields {
  userId: string;
  callbackId: string;
  privateMetadata: string;
  values: Record<string, Record<string, unknown>>;
  teamId?: string;
  appId?: string;
}

/** A `view_submission` payload for a modal, as Slack sends it. */
export function viewSubmission(f: SubmissionFields): object {
  return {
    type: 'view_submission',
    team: { id: f.teamId ?? TEAM_ID, domain: 'example' },
    user: {
      id: f.userId,
      username: f.userId.toLowerCase(),
      name: f.userId.toLowerCase(),
      team_id: f.teamId ?? TEAM_ID,
    },
    api_app_id: f.appId ?? APP_ID,
    token: 'deprecated-verification-token',
    trigger_id: `${Date.now()}.${randomUUID()}`,
    view: {
      id: 'VSTANDIN',
      team_id: f.teamId ?? TEAM_ID,
      type: 'modal',
      callback_id: f.callbackId,
      private_metadata: f.privateMetadata,
      state: { values: f.values },
      hash: '1',
      app_id: f.appId ?? APP_ID,
      bot_id: 'BBOTID',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}
