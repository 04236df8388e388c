import { LogLevel, type Logger } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSlackApp, type MigrationsApi, type RunningSlackApp } from '../../slack/app.js';
import type { CampaignsApi, DiagnosesApi, ScansApi } from '../../slack/deps.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { SlackApiStandIn, type ResponseCapture } from './slack-api.js';
import {
  buttonClick,
  payloadBody,
  postSigned,
  slashCommandBody,
  viewSubmission,
  type ClickFields,
  type CommandFields,
  type SignOptions,
  type SlackHttpResponse,
  type SubmissionFields,
} from './slack-requests.js';

export const SIGNING_SECRET = 'test-signing-secret';

/** A Bolt logger that keeps what it is told, so tests can check what was logged. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const record =
    (level: string) =>
    (...msg: unknown[]) => {
      lines.push(`${level} ${msg.map((m) => (m instanceof Error ? m.message : String(m))).join(' ')}`);
    };
  return {
    lines,
    debug: () => undefined,
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}

/**
 * A policy for tests: anyone in the workspace may start anything; the listed approvers
 * approve. Tests about access write their own.
 */
export function openPolicy(approvers: { users?: string[]; userGroups?: string[]; minApprovals?: number }): string {
  return JSON.stringify({
    rules: [
      {
        name: 'test',
        namespaces: ['*'],
        clusters: ['*'],
        starters: { anyone: true },
        approvers,
        operators: { anyone: true },
      },
    ],
  });
}

export interface SlackHarness {
  api: SlackApiStandIn;
  config: Config;
  logger: ReturnType<typeof recordingLogger>;
  eventsUrl: string;
  app: RunningSlackApp;
  /** Rewrites the access policy file (YAML or JSON); `app.reloadPolicy()` or SIGHUP reads it. */
  writePolicy(text: string): void;
  /** Sends exactly this body with these signing settings (a replay sends the same again). */
  post(body: string, sign?: Partial<SignOptions> & { headers?: Record<string, string> }): Promise<SlackHttpResponse>;
  /** Sends `/migrate-identity <text>`; returns the HTTP answer and where `respond` posts. */
  command(
    text: string,
    fields?: Partial<CommandFields>,
    sign?: Partial<SignOptions>,
  ): Promise<SlackHttpResponse & { responseId: string }>;
  click(fields: Omit<ClickFields, 'responseUrl'>): Promise<SlackHttpResponse & { responseId: string }>;
  submit(fields: SubmissionFields): Promise<SlackHttpResponse>;
  /** The first `respond` posted to the response_url `id`. */
  response(id: string, timeoutMs?: number): Promise<ResponseCapture>;
  close(): Promise<void>;
}

/**
 * The real Bolt app (HTTP receiver on 127.0.0.1, ephemeral port) against the Web API
 * stand-in, configured through `loadConfig` like production.
 */
export async function startSlackHarness(options: {
  /** Omitted: the app connects to Temporal itself, from the config (`TEMPORAL_*` in `env`). */
  migrations?: MigrationsApi;
  /** Fleet scans for `inventory` and the Home tab; omitted with `migrations`: none. */
  scans?: ScansApi;
  /** Campaigns for `campaign …`; omitted with `migrations`: none. */
  campaigns?: CampaignsApi;
  /** Diagnoses for `diagnose`; omitted with `migrations`: none. */
  diagnoses?: DiagnosesApi;
  env?: Record<string, string>;
  api?: SlackApiStandIn;
  /** The access policy file's text; omitted: none (Slack starts nothing). */
  policy?: string;
}): Promise<SlackHarness> {
  const api = options.api ?? (await SlackApiStandIn.start());
  const dir = mkdtempSync(join(tmpdir(), 'mi-slack-'));
  const policyFile = join(dir, 'access-policy.yaml');
  if (options.policy !== undefined) writeFileSync(policyFile, options.policy);
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_PORT: '0',
    SLACK_API_URL: api.apiUrl,
    ...(options.policy !== undefined && { MIGRATE_IDENTITY_ACCESS_POLICY: policyFile }),
    ...options.env,
  });
  const logger = recordingLogger();
  const app = await startSlackApp(config, {
    ...(options.migrations ? { migrations: options.migrations } : {}),
    ...(options.scans ? { scans: options.scans } : {}),
    ...(options.campaigns ? { campaigns: options.campaigns } : {}),
    ...(options.diagnoses ? { diagnoses: options.diagnoses } : {}),
    logger,
    host: '127.0.0.1',
  });
  const eventsUrl = `http://127.0.0.1:${app.port}/slack/events`;
  const sign = (extra?: Partial<SignOptions>): SignOptions => ({ secret: SIGNING_SECRET, ...extra });
  return {
    api,
    config,
    logger,
    eventsUrl,
    app,
    writePolicy(text) {
      writeFileSync(policyFile, text);
    },
    post(body, signOptions) {
      return postSigned(eventsUrl, body, sign(signOptions));
    },
    async command(text, fields = {}, signOptions) {
      const responseId = randomUUID();
      const body = slashCommandBody({
        userId: 'U0REQUESTER',
        responseUrl: api.responseUrl(responseId),
        text,
        ...fields,
      });
      return { ...(await postSigned(eventsUrl, body, sign(signOptions))), responseId };
    },
    async click(fields) {
      const responseId = randomUUID();
      const body = payloadBody(buttonClick({ ...fields, responseUrl: api.responseUrl(responseId) }));
      return { ...(await postSigned(eventsUrl, body, sign())), responseId };
    },
    async submit(fields) {
      return postSigned(eventsUrl, payloadBody(viewSubmission(fields)), sign());
    },
    response(id, timeoutMs) {
      return api.waitFor(() => api.responses.find((r) => r.id === id), `a response on ${id}`, timeoutMs);
    },
    async close() {
      await app.stop();
      if (!options.api) await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
