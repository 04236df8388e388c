import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, test } from 'node:test';
import { AckFirst } from '../../slack/ack-first.js';

const response = () => new EventEmitter() as unknown as ServerResponse;
const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return done;
};

describe('AckFirst: work after an ack waits for the acks still to send', () => {
  test('with nothing waiting for an ack, a turn comes on the next loop turn', async () => {
    assert.equal(await settled(new AckFirst().turn()), true);
  });

  test('while a received request is unanswered, turns wait; its answer releases them, in order', async () => {
    const acks = new AckFirst(Date.now, 60_000);
    const res = response();
    acks.received(res);
    const order: number[] = [];
    const first = acks.turn().then(() => order.push(1));
    const second = acks.turn().then(() => order.push(2));
    assert.equal(await settled(first), false);
    res.emit('finish');
    res.emit('close'); // counted once
    await Promise.all([first, second]);
    assert.deepEqual(order, [1, 2]);
  });

  test('never starved: after the longest deferral a turn comes even while acks wait', async () => {
    const acks = new AckFirst(Date.now, 30);
    acks.received(response());
    const started = Date.now();
    await acks.turn();
    assert.ok(Date.now() - started >= 25);
  });
});
