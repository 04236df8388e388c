import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import proto from '@temporalio/proto';
import { historyTimeline } from '../../scripts/history-timeline.js';

/**
 * bench:overhead's account of where a run's wall time went (scripts/history-timeline.ts), on
 * a hand-written history: a workflow task, an activity, a background notification that
 * overlaps it, a lock grant awaited, a release signal awaited.
 */
const T = proto.temporal.api.enums.v1.EventType;
const { HistoryEvent } = proto.temporal.api.history.v1;
type Event = proto.temporal.api.history.v1.IHistoryEvent;

let nextId = 0;
/** An event `atMs` after the start; ids count up (fromObject takes plain numbers for the Long fields). */
function event(atMs: number, eventType: proto.temporal.api.enums.v1.EventType, attrs: object = {}): Event {
  nextId += 1;
  return HistoryEvent.fromObject({
    eventId: nextId,
    eventTime: { seconds: Math.floor(atMs / 1000), nanos: (atMs % 1000) * 1e6 },
    eventType,
    ...attrs,
  });
}

function history(): Event[] {
  nextId = 0;
  const activity = (name: string) => ({ activityTaskScheduledEventAttributes: { activityType: { name } } });
  return [
    event(0, T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
    event(0, T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
    event(5, T.EVENT_TYPE_WORKFLOW_TASK_STARTED),
    event(25, T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
    event(25, T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, activity('readPodIdentityTrust')), // 5
    event(25, T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, activity('notify')), // 6
    event(27, T.EVENT_TYPE_ACTIVITY_TASK_STARTED, { activityTaskStartedEventAttributes: { scheduledEventId: 5 } }),
    event(125, T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, { activityTaskCompletedEventAttributes: { scheduledEventId: 5 } }),
    event(25, T.EVENT_TYPE_ACTIVITY_TASK_STARTED, { activityTaskStartedEventAttributes: { scheduledEventId: 6 } }),
    event(140, T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, { activityTaskCompletedEventAttributes: { scheduledEventId: 6 } }),
    event(125, T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
    event(130, T.EVENT_TYPE_WORKFLOW_TASK_STARTED),
    event(150, T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
    event(150, T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, activity('requestRoleLock')), // 14
    event(150, T.EVENT_TYPE_ACTIVITY_TASK_STARTED, { activityTaskStartedEventAttributes: { scheduledEventId: 14 } }),
    event(160, T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, {
      activityTaskCompletedEventAttributes: { scheduledEventId: 14 },
    }),
    event(160, T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
    event(160, T.EVENT_TYPE_WORKFLOW_TASK_STARTED),
    event(170, T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
    event(200, T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, {
      workflowExecutionSignaledEventAttributes: { signalName: 'roleLockGranted' },
    }),
    event(200, T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
    event(200, T.EVENT_TYPE_WORKFLOW_TASK_STARTED),
    event(210, T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
    event(210, T.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED), // 24
    event(240, T.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED, {
      externalWorkflowExecutionSignaledEventAttributes: { initiatedEventId: 24 },
    }),
    event(240, T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
    event(242, T.EVENT_TYPE_WORKFLOW_TASK_STARTED),
    event(250, T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
    event(250, T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED),
  ];
}

describe('history timeline: where a run spent its wall time', () => {
  test('each moment counts once, for what the run waited on; background work only when nothing else ran', () => {
    const timeline = historyTimeline(history(), ['notify']);
    const by = Object.fromEntries(timeline.byCategory);
    assert.equal(timeline.wallMs, 250);
    assert.deepEqual(by, {
      'activity readPodIdentityTrust': 98,
      'workflow task running': 20 + 20 + 10 + 10 + 8,
      'workflow task waiting': 5 + 5 + 2,
      'signal sent, awaiting delivery': 30,
      // The requester waits from the request's completion for the grant signal.
      'lock grant awaited': 30,
      'activity requestRoleLock': 10,
      'activity waiting': 2,
      // The notification (25–140 ms) overlapped the read and a workflow task throughout: no share.
    });
    assert.equal(
      timeline.byCategory.reduce((sum, [, ms]) => sum + ms, 0),
      250,
    );
  });

  test('per activity type and per workflow task: counts and mean latencies', () => {
    const timeline = historyTimeline(history(), ['notify']);
    const read = timeline.activities.find((a) => a.type === 'readPodIdentityTrust');
    assert.deepEqual(read, { type: 'readPodIdentityTrust', count: 1, scheduleToStartMs: 2, startToCloseMs: 98 });
    assert.deepEqual(timeline.workflowTasks, { count: 5, scheduleToStartMs: 12 / 5, startToCloseMs: 68 / 5 });
  });
});
