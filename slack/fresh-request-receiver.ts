import {
  HTTPModuleFunctions,
  HTTPReceiver,
  verifySlackRequest,
  type HTTPReceiverOptions,
  type Logger,
} from '@slack/bolt';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { AckFirst } from './ack-first.js';

/** Slack's window for a request's timestamp, applied both ways (Bolt 5.1 only refuses old ones). */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;
/** A request is remembered while its timestamp can still pass, plus the skew on either side. */
const REMEMBER_MS = 2 * MAX_CLOCK_SKEW_SECONDS * 1000;
/** Beyond this many handled requests in the window the app refuses new ones rather than forget old ones. */
const MAX_REMEMBERED = 50_000;

/** Why a request's timestamp is refused, or undefined when it is within five minutes of now. */
export function timestampRefusal(header: string | string[] | undefined, nowMs: number): string | undefined {
  if (typeof header !== 'string' || !/^\d{1,12}$/.test(header)) return undefined; // Bolt refuses it
  const skew = Number(header) - Math.floor(nowMs / 1000);
  if (Math.abs(skew) <= MAX_CLOCK_SKEW_SECONDS) return undefined;
  return skew > 0 ? `dated ${skew}s in the future` : `dated ${-skew}s ago`;
}

/** What identifies a request for repeats: its signature, and the user action behind it (trigger id). */
export function requestKeys(rawBody: string, contentType: string | undefined, signature: string): string[] {
  const keys = [`sig:${signature}`];
  if (contentType !== 'application/x-www-form-urlencoded') return keys;
  const form = parseQuery(rawBody);
  let triggerId = form.trigger_id;
  if (typeof form.payload === 'string') {
    try {
      triggerId = (JSON.parse(form.payload) as { trigger_id?: unknown }).trigger_id as string | undefined;
    } catch {
      // Bolt refuses a malformed payload itself.
    }
  }
  if (typeof triggerId === 'string' && triggerId !== '') keys.push(`trigger:${triggerId}`);
  return keys;
}

/** Requests handled in the last ten minutes, by key; expired entries leave in arrival order. */
export class RecentRequests {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly max = MAX_REMEMBERED,
  ) {}

  /** `repeat` when any key was seen; `full` when nothing more can be remembered; else remembers them. */
  admit(keys: readonly string[]): 'new' | 'repeat' | 'full' {
    const now = this.now();
    for (const [key, expires] of this.seen) {
      if (expires > now) break;
      this.seen.delete(key);
    }
    if (keys.some((k) => this.seen.has(k))) return 'repeat';
    if (this.seen.size + keys.length > this.max) return 'full';
    for (const k of keys) this.seen.set(k, now + REMEMBER_MS);
    return 'new';
  }
}

export interface FreshRequestOptions {
  /** Default: Date.now. */
  now?: () => number;
  recent?: RecentRequests;
  /** Told of every request, so work after other acks waits for this one's. */
  acks?: AckFirst;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Bolt's HTTPReceiver with two checks in front, before Bolt sees the request:
 *
 * - a request whose `X-Slack-Request-Timestamp` is more than five minutes from now, in
 *   either direction, gets 401;
 * - a correctly signed request already handled (same signature, or same trigger id: one
 *   user action) gets 200 with an empty body and has no effect. Slack's own retries
 *   (`X-Slack-Retry-Num`) are answered the same way, so a retry neither acts twice nor
 *   shows the user an error. An exact replay is refused for as long as its timestamp can
 *   pass, and afterwards by the timestamp check.
 *
 * Bolt's own signature check stays on; a request whose signature does not check out is
 * left to it (401, logged).
 */
export class FreshRequestReceiver extends HTTPReceiver {
  constructor(
    private readonly settings: HTTPReceiverOptions & { signingSecret: string; endpoints: string },
    private readonly guardLogger: Logger,
    options: FreshRequestOptions = {},
  ) {
    super(settings);
    const now = options.now ?? Date.now;
    const recent = options.recent ?? new RecentRequests(now);
    const bolt = this.requestListener;
    this.requestListener = (req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (req.method !== 'POST' || path !== settings.endpoints) {
        bolt(req, res);
        return;
      }
      options.acks?.received(res);
      this.screen(req, res, now(), recent).then(
        (pass) => {
          if (pass) bolt(req, res);
        },
        (err: unknown) => {
          this.guardLogger.error('could not screen a Slack request', err);
          if (!res.headersSent) HTTPModuleFunctions.buildNoBodyResponse(res, 500);
        },
      );
    };
  }

  /** True when Bolt may handle the request; otherwise it has been answered here. */
  private async screen(req: IncomingMessage, res: ServerResponse, nowMs: number, recent: RecentRequests) {
    const timestamp = header(req, 'x-slack-request-timestamp');
    const stale = timestampRefusal(timestamp, nowMs);
    if (stale) {
      this.guardLogger.warn(
        `refused a Slack request ${stale}: more than ${MAX_CLOCK_SKEW_SECONDS / 60} minutes from now`,
      );
      req.resume();
      HTTPModuleFunctions.buildNoBodyResponse(res, 401);
      return false;
    }
    let raw: string;
    try {
      // Bolt reuses the buffered body (`rawBody`) instead of reading the stream again.
      raw = (
        await HTTPModuleFunctions.bufferIncomingMessage(req, HTTPModuleFunctions.defaultBodyLimit)
      ).rawBody.toString();
    } catch {
      HTTPModuleFunctions.buildNoBodyResponse(res, 413);
      return false;
    }
    const signature = header(req, 'x-slack-signature');
    if (!signature || !timestamp) return true;
    try {
      verifySlackRequest({
        signingSecret: this.settings.signingSecret,
        body: raw,
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': Number(timestamp) },
        nowMilliseconds: nowMs,
      });
    } catch {
      return true; // Bolt answers 401 and logs why
    }
    const admitted = recent.admit(requestKeys(raw, header(req, 'content-type'), signature));
    if (admitted === 'new') return true;
    if (admitted === 'full') {
      this.guardLogger.error(
        'refused a Slack request: too many requests in the last ten minutes to tell repeats apart',
      );
      HTTPModuleFunctions.buildNoBodyResponse(res, 503);
      return false;
    }
    const retry = header(req, 'x-slack-retry-num');
    if (retry) this.guardLogger.info(`ignored Slack's retry ${retry} of a request already handled`);
    else
      this.guardLogger.warn('ignored a repeated Slack request (same signature or trigger id): a replay has no effect');
    HTTPModuleFunctions.buildNoBodyResponse(res, 200);
    return false;
  }
}
