import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { collectPages } from '../../../src/adapters/aws/pages.js';

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
