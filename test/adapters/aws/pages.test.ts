import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { collectPages, mapConcurrently } from '../../../src/adapters/aws/pages.js';

describe('collectPages', () => {
  test('follows tokens until there is none, an empty token included', async () => {
    const pages: Record<string, { items: number[]; next: string | undefined }> = {
      first: { items: [1, 2], next: 't1' },
      t1: { items: [], next: 't2' },
      t2: { items: [3], next: '' },
    };
    const seen: (string | undefined)[] = [];
    const all = await collectPages((token) => {
      seen.push(token);
      return Promise.resolve(pages[token ?? 'first']!);
    });
    assert.deepEqual(all, [1, 2, 3]);
    assert.deepEqual(seen, [undefined, 't1', 't2']);
  });

  test('refuses a service that hands back the same token', async () => {
    await assert.rejects(
      collectPages(() => Promise.resolve({ items: [1], next: 'same' })),
      /pagination token repeated: same/,
    );
  });
});

describe('mapConcurrently', () => {
  /** A call that resolves when the test says, recording how many run at once. */
  function gate() {
    let inFlight = 0;
    let peak = 0;
    const started: number[] = [];
    const fn = async (item: number) => {
      started.push(item);
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      if (item < 0) throw new Error(`item ${item} failed`);
      return item * 10;
    };
    return { fn, started, peak: () => peak };
  }

  test('keeps at most `limit` calls in flight and returns results in input order', async () => {
    const { fn, started, peak } = gate();
    const items = [1, 2, 3, 4, 5, 6, 7];
    assert.deepEqual(await mapConcurrently(items, 3, fn), [10, 20, 30, 40, 50, 60, 70]);
    assert.equal(peak(), 3);
    assert.deepEqual(started, items);
  });

  test('an empty list makes no call', async () => {
    const { fn, started } = gate();
    assert.deepEqual(await mapConcurrently([], 4, fn), []);
    assert.deepEqual(started, []);
  });

  test('the first failure rejects and starts no further call', async () => {
    const { fn, started } = gate();
    await assert.rejects(mapConcurrently([1, -2, 3, 4, 5], 1, fn), /item -2 failed/);
    assert.deepEqual(started, [1, -2]);
  });
});
