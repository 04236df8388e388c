import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sqliteStore } from '../../src/sandbox/sqlite-store.js';
import type { RowKind, StateStore, StoredRow } from '../../src/sandbox/store.js';
import { memoryStore } from '../../src/sandbox/store.js';
import { tempStateFile } from '../support/sandbox-fixtures.js';

function row(kind: RowKind, key: string, fields: Partial<StoredRow> = {}): StoredRow {
  return {
    kind,
    key,
    cluster: '',
    namespace: '',
    subject: '',
    link: '',
    due: null,
    doc: JSON.stringify(key),
    ...fields,
  };
}

const pod = (name: string, fields: Partial<StoredRow> = {}) =>
  row('pod', `c1/ns/${name}`, { cluster: 'c1', namespace: 'ns', subject: 'sa', ...fields });

const keys = (rows: { key: string }[]) => rows.map((r) => r.key);

const INITIAL = [
  row('fleet', 'fleet'),
  pod('a', { link: 'c1/Deployment/ns/web' }),
  pod('b', { subject: 'other', due: 100 }),
  pod('c', { namespace: 'ns2', due: 50 }),
  row('pod', 'c2/ns/a', { cluster: 'c2', namespace: 'ns', subject: 'sa' }),
  row('role', 'r1'),
];

type Mode = 'memory' | 'sqlite';

async function open(mode: Mode, initial: StoredRow[] = INITIAL) {
  if (mode === 'memory') return { store: memoryStore(initial), reopen: undefined, cleanup: () => Promise.resolve() };
  const temp = await tempStateFile();
  return {
    store: sqliteStore(temp.file, () => initial),
    reopen: (): StateStore => sqliteStore(temp.file, () => []),
    cleanup: () => temp.cleanup(),
  };
}

for (const mode of ['memory', 'sqlite'] as const) {
  describe(`sandbox state store contract (${mode})`, () => {
    test('starts from the initial rows; finds by every lookup field, in insertion order', async (t) => {
      const { store, cleanup } = await open(mode);
      t.after(cleanup);
      await store.transact((tx) => {
        assert.equal(tx.get('role', 'r1')?.doc, '"r1"');
        assert.equal(tx.get('role', 'missing'), undefined);
        assert.deepEqual(keys(tx.find({ kind: 'pod' })), ['c1/ns/a', 'c1/ns/b', 'c1/ns/c', 'c2/ns/a']);
        assert.deepEqual(keys(tx.find({ kind: 'pod', cluster: 'c1', namespace: 'ns' })), ['c1/ns/a', 'c1/ns/b']);
        assert.deepEqual(keys(tx.find({ kind: 'pod', cluster: 'c1', subject: 'other' })), ['c1/ns/b']);
        assert.deepEqual(keys(tx.find({ kind: 'pod', link: 'c1/Deployment/ns/web' })), ['c1/ns/a']);
        assert.deepEqual(keys(tx.find({ kind: 'pod', key: 'c2/ns/a' })), ['c2/ns/a']);
        assert.deepEqual(keys(tx.find({ kind: 'pod', dueBy: 99 })), ['c1/ns/c']);
        assert.deepEqual(keys(tx.find({ kind: 'pod', dueBy: 100 })), ['c1/ns/b', 'c1/ns/c']);
        assert.equal(tx.count({ kind: 'pod', cluster: 'c1' }), 3);
        assert.equal(tx.count({ kind: 'association' }), 0);
      });
    });

    test('an update keeps its place; a row deleted and put again goes last, within a transaction and after it', async (t) => {
      const { store, cleanup } = await open(mode);
      t.after(cleanup);
      await store.transact((tx) => {
        tx.put(pod('a', { doc: '"a2"' }));
        tx.delete('pod', 'c1/ns/b');
        tx.put(pod('b', { doc: '"b2"' }));
        tx.put(pod('d'));
        assert.deepEqual(keys(tx.find({ kind: 'pod', cluster: 'c1' })), ['c1/ns/a', 'c1/ns/c', 'c1/ns/b', 'c1/ns/d']);
        assert.equal(tx.get('pod', 'c1/ns/a')?.doc, '"a2"');
      });
      await store.transact((tx) => {
        assert.deepEqual(keys(tx.find({ kind: 'pod', cluster: 'c1' })), ['c1/ns/a', 'c1/ns/c', 'c1/ns/b', 'c1/ns/d']);
        assert.equal(tx.get('pod', 'c1/ns/b')?.doc, '"b2"');
        tx.delete('pod', 'c1/ns/a');
        assert.equal(tx.get('pod', 'c1/ns/a'), undefined);
        assert.equal(tx.count({ kind: 'pod', cluster: 'c1' }), 3);
      });
      await store.transact((tx) => assert.equal(tx.get('pod', 'c1/ns/a'), undefined));
    });

    test('a row moves with its lookup fields: a put changes what finds it', async (t) => {
      const { store, cleanup } = await open(mode);
      t.after(cleanup);
      await store.transact((tx) => tx.put(pod('a', { due: 10, subject: 'moved' })));
      await store.transact((tx) => {
        assert.deepEqual(keys(tx.find({ kind: 'pod', subject: 'moved' })), ['c1/ns/a']);
        assert.deepEqual(keys(tx.find({ kind: 'pod', cluster: 'c1', dueBy: 10 })), ['c1/ns/a']);
        assert.deepEqual(keys(tx.find({ kind: 'pod', cluster: 'c1', subject: 'sa' })), ['c1/ns/c']);
      });
    });

    test('a transaction that throws leaves nothing behind, and its error reaches the caller', async (t) => {
      const { store, cleanup } = await open(mode);
      t.after(cleanup);
      await assert.rejects(
        store.transact((tx) => {
          tx.put(row('role', 'r2'));
          tx.delete('role', 'r1');
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      await store.transact((tx) => {
        assert.deepEqual(keys(tx.find({ kind: 'role' })), ['r1']);
      });
    });

    test('transactions run one at a time: concurrent read-modify-writes lose nothing', async (t) => {
      const { store, cleanup } = await open(mode);
      t.after(cleanup);
      const increment = () =>
        store.transact((tx) => {
          const count = Number(JSON.parse(tx.get('call', 'n')?.doc ?? '0'));
          tx.put(row('call', 'n', { doc: String(count + 1) }));
        });
      await Promise.all(Array.from({ length: 50 }, increment));
      assert.equal(await store.transact((tx) => tx.get('call', 'n')?.doc), '50');
    });

    test('replace: everything goes, the new rows come', async (t) => {
      const { store, reopen, cleanup } = await open(mode);
      t.after(cleanup);
      await store.replace([row('fleet', 'fleet'), row('role', 'r9')]);
      for (const s of [store, reopen?.()].filter((x): x is StateStore => x !== undefined)) {
        await s.transact((tx) => {
          assert.deepEqual(keys(tx.find({ kind: 'role' })), ['r9']);
          assert.equal(tx.count({ kind: 'pod' }), 0);
        });
      }
    });
  });
}
