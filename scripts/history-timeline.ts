/**
 * Where a workflow's wall time went, from its history's event timestamps: each moment of
 * the run is put in the first of these that applies (the order is the critical path's):
 * an activity running (by type), an activity waiting for a worker (schedule-to-start), a
 * workflow task running, a workflow task waiting for a worker, a signal or timer awaited.
 * Activities named in `background` (notifications the run does not wait for) count only
 * when nothing else is going on. Local activities run inside their workflow task and count
 * as its running time. Used by bench:overhead (BENCH_TIMELINE=1).
 */
import proto from '@temporalio/proto';

const EventType = proto.temporal.api.enums.v1.EventType;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

export interface Timeline {
  /** From the first event to the last, ms. */
  wallMs: number;
  /** ms per category, the largest first. */
  byCategory: [string, number][];
  /** Per activity type: count, mean schedule-to-start and start-to-close, ms. */
  activities: { type: string; count: number; scheduleToStartMs: number; startToCloseMs: number }[];
  /** Workflow tasks: count, mean schedule-to-start and start-to-close, ms. */
  workflowTasks: { count: number; scheduleToStartMs: number; startToCloseMs: number };
}

interface Span {
  category: string;
  from: number;
  to: number;
  rank: number;
}

function ms(event: HistoryEvent): number {
  const t = event.eventTime;
  if (!t) return 0;
  return Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6;
}

/** Ranks: lower wins where spans overlap. */
const RANK = { running: 0, waiting: 1, wftRunning: 2, wftWaiting: 3, awaited: 4, background: 5, other: 6 } as const;

export function historyTimeline(events: HistoryEvent[], background: string[] = []): Timeline {
  const spans: Span[] = [];
  const scheduled = new Map<string, { type: string; at: number; started?: number }>();
  const activityStats = new Map<string, { count: number; s2s: number; s2c: number }>();
  const wft = { count: 0, s2s: 0, s2c: 0, scheduledAt: 0, startedAt: 0 };
  let awaitingSince: number | undefined;
  const signalsOut = new Map<string, number>();
  let grantAwaitedSince: number | undefined;
  for (const event of events) {
    const at = ms(event);
    const id = String(event.eventId);
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        wft.scheduledAt = at;
        if (awaitingSince !== undefined)
          spans.push({ category: 'awaited (other)', from: awaitingSince, to: at, rank: RANK.other });
        awaitingSince = undefined;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
        wft.startedAt = at;
        wft.count += 1;
        wft.s2s += at - wft.scheduledAt;
        spans.push({ category: 'workflow task waiting', from: wft.scheduledAt, to: at, rank: RANK.wftWaiting });
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
      case EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
      case EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
        wft.s2c += at - wft.startedAt;
        spans.push({ category: 'workflow task running', from: wft.startedAt, to: at, rank: RANK.wftRunning });
        awaitingSince = at;
        break;
      case EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
        signalsOut.set(id, at);
        break;
      case EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED: {
        const sent = signalsOut.get(String(event.externalWorkflowExecutionSignaledEventAttributes?.initiatedEventId));
        if (sent !== undefined)
          spans.push({ category: 'signal sent, awaiting delivery', from: sent, to: at, rank: RANK.awaited });
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        if (
          grantAwaitedSince !== undefined &&
          event.workflowExecutionSignaledEventAttributes?.signalName === 'roleLockGranted'
        )
          spans.push({ category: 'lock grant awaited', from: grantAwaitedSince, to: at, rank: RANK.awaited });
        grantAwaitedSince = undefined;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const type = event.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
        scheduled.set(id, { type, at });
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const s = scheduled.get(String(event.activityTaskStartedEventAttributes?.scheduledEventId));
        if (s) s.started = at;
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: {
        const attrs =
          event.activityTaskCompletedEventAttributes ??
          event.activityTaskFailedEventAttributes ??
          event.activityTaskTimedOutEventAttributes ??
          event.activityTaskCanceledEventAttributes;
        const s = scheduled.get(String(attrs?.scheduledEventId));
        if (!s) break;
        const started = s.started ?? at;
        if (s.type === 'requestRoleLock') grantAwaitedSince = at;
        const bg = background.includes(s.type);
        spans.push({
          category: bg ? `background ${s.type}` : 'activity waiting',
          from: s.at,
          to: started,
          rank: bg ? RANK.background : RANK.waiting,
        });
        spans.push({
          category: bg ? `background ${s.type}` : `activity ${s.type}`,
          from: started,
          to: at,
          rank: bg ? RANK.background : RANK.running,
        });
        const stats = activityStats.get(s.type) ?? { count: 0, s2s: 0, s2c: 0 };
        stats.count += 1;
        stats.s2s += started - s.at;
        stats.s2c += at - started;
        activityStats.set(s.type, stats);
        break;
      }
    }
  }
  const first = events[0] ? ms(events[0]) : 0;
  const last = events.at(-1) ? ms(events.at(-1)!) : 0;
  // Sweep: each moment goes to the lowest-ranked span covering it.
  const edges = [...new Set(spans.flatMap((s) => [s.from, s.to]))].sort((a, b) => a - b);
  const byCategory = new Map<string, number>();
  for (let i = 0; i + 1 < edges.length; i++) {
    const [from, to] = [edges[i]!, edges[i + 1]!];
    let best: Span | undefined;
    for (const s of spans) if (s.from <= from && s.to >= to && (!best || s.rank < best.rank)) best = s;
    const category = best?.category ?? 'idle';
    byCategory.set(category, (byCategory.get(category) ?? 0) + to - from);
  }
  const mean = (total: number, n: number) => (n === 0 ? 0 : total / n);
  return {
    wallMs: last - first,
    byCategory: [...byCategory].sort((a, b) => b[1] - a[1]),
    activities: [...activityStats]
      .map(([type, s]) => ({
        type,
        count: s.count,
        scheduleToStartMs: mean(s.s2s, s.count),
        startToCloseMs: mean(s.s2c, s.count),
      }))
      .sort((a, b) => b.count * b.startToCloseMs - a.count * a.startToCloseMs),
    workflowTasks: {
      count: wft.count,
      scheduleToStartMs: mean(wft.s2s, wft.count),
      startToCloseMs: mean(wft.s2c, wft.count),
    },
  };
}
