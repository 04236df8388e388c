import { LogLevel, type Logger } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import { startSlackApp, type MigrationsApi } from '../../slack/app.js';
import type { DiagnosesApi, ScansApi } from '../../slack/deps.js';
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

export interface SlackHarness {
  api: SlackApiStandIn;
  config: Config;
  logger: ReturnType<typeof recordingLogger>;
  eventsUrl: string;
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
  /** Diagnoses for `diagnose`; omitted with `migrations`: none. */
  diagnoses?: DiagnosesApi;
  env?: Record<string, string>;
  api?: SlackApiStandIn;
}): Promise<SlackHarness> {
  const api = options.api ?? (await SlackApiStandIn.start());
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_PORT: '0',
    SLACK_API_URL: api.apiUrl,
    ...options.env,
  });
  const logger = recordingLogger();
  const app = await startSlackApp(config, {
    ...(options.migrations ? { migrations: options.migrations } : {}),
    ...(options.scans ? { scans: options.scans } : {}),
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
    },
  };
}
