import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Slack Web API (`slackApiUrl`) and for `response_url`s. It records
 * every call, keeps the messages it was sent (so threads and updates can be checked) and
 * can answer with 429 + Retry-After, HTTP errors or Slack errors on demand.
 */

export interface ApiCall {
  method: string;
  args: Record<string, unknown>;
  /** What the stand-in answered: 200, 429, 500… */
  status: number;
  error?: string;
  at: number;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: Record<string, unknown>[];
  reply_broadcast?: boolean;
  /** How many chat.update calls it got. */
  updates: number;
}

export interface ResponseCapture {
  id: string;
  body: Record<string, unknown>;
  at: number;
}

export type ApiFault = { status: 429; retryAfter: number } | { status: 500 | 502 | 503 } | { error: string };

const JSON_ARGS = ['blocks', 'view', 'attachments', 'metadata'];
export const BOT_USER_ID = 'UBOTUSER';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseArgs(body: string, contentType: string | undefined): Record<string, unknown> {
  if (body === '') return {};
  if (contentType?.includes('application/json')) return JSON.parse(body) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    args[key] = JSON_ARGS.includes(key) ? (JSON.parse(value) as unknown) : value;
  }
  return args;
}

export class SlackApiStandIn {
  readonly calls: ApiCall[] = [];
  readonly responses: ResponseCapture[] = [];
  readonly messages: StoredMessage[] = [];
  /** User group id → member user ids, for usergroups.users.list. */
  readonly usergroups = new Map<string, string[]>();
  private readonly faults = new Map<string, ApiFault[]>();
  private outage: ApiFault | undefined;
  private clock = 1_700_000_000;
  private counter = 0;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<SlackApiStandIn> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const standIn = new SlackApiStandIn(server, `http://127.0.0.1:${port}`);
    server.on('request', (req, res) => {
      standIn.handle(req, res).catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
    });
    return standIn;
  }

  /** For `slackApiUrl`. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  responseUrl(id: string): string {
    return `${this.baseUrl}/response/${encodeURIComponent(id)}`;
  }

  /** The next `times` calls of `method` get this answer. */
  failNext(method: string, fault: ApiFault, times = 1): void {
    const queue = this.faults.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.faults.set(method, queue);
  }

  /** Every method (but auth.test) answers with `fault` until the outage is cleared. */
  setOutage(fault: ApiFault | undefined): void {
    this.outage = fault;
  }

  callsTo(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Messages in a thread (the parent first), as stored now. */
  thread(channel: string, ts: string): StoredMessage[] {
    return this.messages.filter((m) => m.channel === channel && (m.ts === ts || m.thread_ts === ts));
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  async waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', this.baseUrl).pathname;
    if (path.startsWith('/response/')) {
      const id = decodeURIComponent(path.slice('/response/'.length));
      this.responses.push({ id, body: parseArgs(body, 'application/json'), at: Date.now() });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const method = path.replace(/^\/api\//, '');
    const args = parseArgs(body, req.headers['content-type']);
    const fault = this.faults.get(method)?.shift() ?? (method === 'auth.test' ? undefined : this.outage);
    const call: ApiCall = { method, args, status: 200, at: Date.now() };
    this.calls.push(call);
    if (fault && 'status' in fault) {
      call.status = fault.status;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (fault.status === 429) headers['retry-after'] = String(fault.retryAfter);
      res.writeHead(fault.status, headers).end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    const answer = fault ? { ok: false, error: fault.error } : this.answer(method, args);
    if (answer.ok === false) call.error = String(answer.error);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  }

  private nextTs(): string {
    this.counter += 1;
    return `${this.clock}.${String(this.counter).padStart(6, '0')}`;
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    const str = (key: string) => (typeof args[key] === 'string' ? args[key] : undefined);
    switch (method) {
      case 'auth.test':
        return { ok: true, user_id: BOT_USER_ID, bot_id: 'BBOTID', team_id: 'T0TEAM', user: 'migrate-identity' };
      case 'chat.postMessage': {
        const channel = str('channel');
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const message: StoredMessage = {
          channel,
          ts: this.nextTs(),
          thread_ts: str('thread_ts'),
          text: str('text'),
          blocks: args.blocks as Record<string, unknown>[] | undefined,
          reply_broadcast: str('reply_broadcast') === 'true' || args.reply_broadcast === true,
          updates: 0,
        };
        this.messages.push(message);
        return { ok: true, channel, ts: message.ts, message: { ...message, user: BOT_USER_ID } };
      }
      case 'chat.update': {
        const message = this.message(str('channel') ?? '', str('ts') ?? '');
        if (!message) return { ok: false, error: 'message_not_found' };
        message.text = str('text') ?? message.text;
        message.blocks = (args.blocks as Record<string, unknown>[] | undefined) ?? message.blocks;
        message.updates += 1;
        return { ok: true, channel: message.channel, ts: message.ts };
      }
      case 'chat.getPermalink': {
        const message = this.message(str('channel') ?? '', str('message_ts') ?? '');
        if (!message) return { ok: false, error: 'message_not_found' };
        const thread = message.thread_ts ? `?thread_ts=${message.thread_ts}&cid=${message.channel}` : '';
        return {
          ok: true,
          channel: message.channel,
          permalink: `https://standin.slack.com/archives/${message.channel}/p${message.ts.replace('.', '')}${thread}`,
        };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: this.nextTs() };
      case 'conversations.replies': {
        const messages = this.thread(str('channel') ?? '', str('ts') ?? '');
        if (messages.length === 0) return { ok: false, error: 'thread_not_found' };
        return { ok: true, messages: messages.map((m) => ({ ...m, user: BOT_USER_ID })), has_more: false };
      }
      case 'usergroups.users.list': {
        const users = this.usergroups.get(str('usergroup') ?? '');
        return users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' };
      }
      case 'views.open':
        return { ok: true, view: { id: 'VSTANDIN', ...(args.view as object) } };
      case 'views.publish':
        return { ok: true, view: { id: 'VHOME', ...(args.view as object) } };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}
