import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RecentRequests, requestKeys, timestampRefusal } from '../../slack/fresh-request-receiver.js';
import { buttonClick, payloadBody, slashCommandBody } from '../support/slack-requests.js';

describe('request freshness', () => {
  const now = 1_700_000_000_000;
  const at = (deltaSeconds: number) => String(now / 1000 + deltaSeconds);

  test('within five minutes either way passes; beyond, either way, is refused', () => {
    for (const delta of [0, 299, -299, 300, -300])
      assert.equal(timestampRefusal(at(delta), now), undefined, `${delta}`);
    assert.equal(timestampRefusal(at(301), now), 'dated 301s in the future');
    assert.equal(timestampRefusal(at(-360), now), 'dated 360s ago');
    assert.equal(timestampRefusal(at(86_400), now), 'dated 86400s in the future');
  });

  test('a missing or malformed timestamp is left to Bolt, which refuses it', () => {
    for (const header of [undefined, '', 'soon', '1e9', ['1', '2']])
      assert.equal(timestampRefusal(header, now), undefined);
  });
});

describe('repeats', () => {
  test('a request is known by its signature and by its trigger id (one user action)', () => {
    const command = slashCommandBody({ text: 'help', userId: 'U1', responseUrl: 'http://x', triggerId: 't-1' });
    assert.deepEqual(requestKeys(command, 'application/x-www-form-urlencoded', 'v0=a'), ['sig:v0=a', 'trigger:t-1']);
    const click = payloadBody({
      ...buttonClick({
        actionId: 'a',
        value: 'v',
        userId: 'U1',
        channelId: 'C1',
        messageTs: '1',
        responseUrl: 'http://x',
      }),
      trigger_id: 't-2',
    });
    assert.deepEqual(requestKeys(click, 'application/x-www-form-urlencoded', 'v0=b'), ['sig:v0=b', 'trigger:t-2']);
    assert.deepEqual(requestKeys('{}', 'application/json', 'v0=c'), ['sig:v0=c']);
  });

  test('remembered for ten minutes, then forgotten; a full memory refuses rather than forgets', () => {
    let clock = 0;
    const recent = new RecentRequests(() => clock, 4);
    assert.equal(recent.admit(['sig:a', 'trigger:1']), 'new');
    assert.equal(recent.admit(['sig:b', 'trigger:1']), 'repeat', 'same trigger, new signature: a retry');
    assert.equal(recent.admit(['sig:a']), 'repeat');
    assert.equal(recent.admit(['sig:c', 'trigger:2']), 'new');
    assert.equal(recent.admit(['sig:d', 'trigger:3']), 'full');
    clock = 10 * 60_000;
    assert.equal(recent.admit(['sig:a', 'trigger:1']), 'new', 'expired');
  });
});
