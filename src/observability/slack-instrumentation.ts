import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { App, ReceiverEvent } from '@slack/bolt';
import { logContext } from './log-context.js';
import type { AppLogger } from './logger.js';
import type { Metrics } from './metrics.js';

interface RequestBody {
  type?: string;
  command?: string;
  user_id?: string;
  user?: { id?: string };
  actions?: { action_id?: string }[];
  view?: { callback_id?: string };
  event?: { type?: string };
}

/** `slash_command`, `block_actions`, `view_submission`, `event_callback`… (bounded: a metric label). */
function requestType(body: RequestBody): string {
  if (body.command) return 'slash_command';
  return body.type ?? 'unknown';
}

function requestName(body: RequestBody): string | undefined {
  return body.command ?? body.actions?.[0]?.action_id ?? body.view?.callback_id ?? body.event?.type;
}

export interface SlackInstrumentation {
  /** Requests still being handled (acked or not): shutdown waits for them. */
  inFlight(): number;
  /** Resolves when no request is in flight, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
}

/**
 * Wraps the app's entry point for every request, the hook both receivers (HTTP and Socket
 * Mode) call: times the ack (`migrate_identity_slack_ack_seconds`), starts the request's
 * span (the parent of the workflow start, and so of the whole run's trace), logs one line
 * per request with the actor, and tracks requests in flight for graceful shutdown.
 */
export function instrumentSlackApp(
  app: App,
  deps: { metrics?: Metrics; tracer?: Tracer; logger?: AppLogger },
): SlackInstrumentation {
  const original = app.processEvent.bind(app);
  const pending = new Set<Promise<void>>();
  const logger = deps.logger?.child({ source: 'slack-request' });
  app.processEvent = (event: ReceiverEvent): Promise<void> => {
    const body = event.body as RequestBody;
    const type = requestType(body);
    const name = requestName(body);
    const actor = body.user_id ?? body.user?.id;
    const started = performance.now();
    let ackMs: number | undefined;
    const ack: ReceiverEvent['ack'] = async (response) => {
      try {
        await event.ack(response);
      } finally {
        if (ackMs === undefined) {
          ackMs = performance.now() - started;
          deps.metrics?.slackAck.observe({ type }, ackMs / 1000);
        }
      }
    };
    const handle = async () => {
      let outcome = 'ok';
      try {
        await original({ ...event, ack });
      } catch (err) {
        outcome = 'error';
        throw err;
      } finally {
        deps.metrics?.slackRequests.inc({ type, outcome });
        logger?.info(
          {
            type,
            name,
            ackMs: ackMs === undefined ? undefined : Math.round(ackMs),
            durationMs: Math.round(performance.now() - started),
          },
          `slack ${type}${name ? ` ${name}` : ''} handled`,
        );
      }
    };
    const run = () =>
      logContext.run(actor ? { actor } : {}, () =>
        deps.tracer
          ? deps.tracer.startActiveSpan(
              `slack ${type}${name ? ` ${name}` : ''}`,
              {
                kind: SpanKind.SERVER,
                attributes: {
                  'slack.type': type,
                  ...(name ? { 'slack.name': name } : {}),
                  ...(actor ? { 'slack.user': actor } : {}),
                },
              },
              async (span) => {
                try {
                  await handle();
                } catch (err) {
                  span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
                  throw err;
                } finally {
                  span.end();
                }
              },
            )
          : handle(),
      );
    const done = run();
    const tracked = done.catch(() => undefined);
    pending.add(tracked);
    void tracked.finally(() => pending.delete(tracked));
    return done;
  };
  return {
    inFlight: () => pending.size,
    drain: async (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      });
      await Promise.race([Promise.all([...pending]).then(() => undefined), timeout]);
      clearTimeout(timer);
    },
  };
}
