import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { msToNumber } from '@temporalio/common/lib/time.js';
import { DEFAULT_EVENT_BUDGET_MS } from '../../slack/adapters/notifier.js';
import { NOTIFY, NOTIFY_ALL } from '../../workflows/activity-options.js';
import { createActivities } from '../../activities/index.js';
import type { Notification, NotifierPort, NotifyResult } from '../../src/ports/notifier.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { inActivity } from '../support/activity-context.js';

/** A notifier that opens a thread on the first post without one, and can refuse one text. */
function chatNotifier(refuse?: string) {
  const posts: { text: string; threadTs: string | undefined }[] = [];
  const notifier: NotifierPort = {
    notify: (n: Notification) => {
      if (n.text === refuse) return Promise.reject(new Error('ratelimited'));
      posts.push({ text: n.text, threadTs: n.slackThread?.threadTs });
      return Promise.resolve(n.slackThread?.threadTs === undefined ? { threadTs: '1700000000.000100' } : {});
    },
  };
  return { notifier, posts };
}

function events(...texts: string[]): Notification[] {
  return texts.map(
    (text) => ({ kind: 'step', text, slackThread: { channel: 'C1' }, migration: {} }) as unknown as Notification,
  );
}

/** notifyAll in a mock activity context (`heartbeatDetails`: what a lost attempt recorded); keeps its heartbeats. */
async function notifyAll(notifier: NotifierPort, notifications: Notification[], heartbeatDetails?: unknown) {
  const activities = createActivities({ ...createSandboxFleet({ consistencyDelayMs: 0 }), notifier });
  const { result: results, heartbeats } = await inActivity<NotifyResult[]>(
    () => activities.notifyAll(notifications),
    heartbeatDetails,
  );
  return { results, heartbeats };
}

describe('notifyAll activity (a run held events, one delivery)', () => {
  test('posts the events in order, each in the thread the first one opened, heartbeating the count sent', async () => {
    const { notifier, posts } = chatNotifier();
    const { results, heartbeats } = await notifyAll(notifier, events('a', 'b', 'c'));
    assert.deepEqual(posts, [
      { text: 'a', threadTs: undefined },
      { text: 'b', threadTs: '1700000000.000100' },
      { text: 'c', threadTs: '1700000000.000100' },
    ]);
    assert.deepEqual(results, [{ threadTs: '1700000000.000100' }, {}, {}]);
    assert.deepEqual(heartbeats.at(-1), { sent: 3, threadTs: '1700000000.000100' });
  });

  test('an event the notifier refuses is a warning and the rest still go', async () => {
    const { notifier, posts } = chatNotifier('b');
    const { results } = await notifyAll(notifier, events('a', 'b', 'c'));
    assert.deepEqual(
      posts.map((p) => p.text),
      ['a', 'c'],
    );
    assert.deepEqual(results[1], { warning: 'notifier: ratelimited' });
  });

  test('a retry skips what the lost attempt heartbeated as sent, and posts the rest in its thread', async () => {
    const { notifier, posts } = chatNotifier();
    const { results } = await notifyAll(notifier, events('a', 'b', 'c'), { sent: 2, threadTs: '1700000000.000100' });
    assert.deepEqual(posts, [{ text: 'c', threadTs: '1700000000.000100' }]);
    assert.deepEqual(results, [{ threadTs: '1700000000.000100' }, {}, {}], 'the run still learns its thread');
  });

  test('heartbeat details it did not write count as nothing sent', async () => {
    for (const details of ['2', { sent: -1 }, { sent: 1.5 }, null]) {
      const { notifier, posts } = chatNotifier();
      await notifyAll(notifier, events('a', 'b'), details);
      assert.equal(posts.length, 2, JSON.stringify(details));
    }
  });

  test("a delivery's heartbeat timeout outlasts one event's time on Slack, so a slow event does not time it out", () => {
    assert.ok(msToNumber(NOTIFY_ALL.heartbeatTimeout ?? 0) > DEFAULT_EVENT_BUDGET_MS);
    assert.ok(msToNumber(NOTIFY.startToCloseTimeout ?? 0) > DEFAULT_EVENT_BUDGET_MS);
  });
});
