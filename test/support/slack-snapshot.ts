import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SNAPSHOT_DIR = fileURLToPath(new URL('../slack/__snapshots__/', import.meta.url));

/** Set to 1 to rewrite the stored snapshots instead of comparing with them. */
export const UPDATE_FLAG = 'UPDATE_SLACK_SNAPSHOTS';

/**
 * Compares `value` with `test/slack/__snapshots__/<name>.json`. A missing snapshot fails:
 * snapshots are only (re)written when the update flag is set, never as a side effect.
 */
export function matchSnapshot(name: string, value: unknown): void {
  const file = `${SNAPSHOT_DIR}${name}.json`;
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env[UPDATE_FLAG] === '1') {
    writeFileSync(file, text);
    return;
  }
  assert.ok(existsSync(file), `no snapshot ${name}.json: run with ${UPDATE_FLAG}=1 to create it`);
  assert.equal(text, readFileSync(file, 'utf8'), `snapshot ${name} differs (rerun with ${UPDATE_FLAG}=1 if intended)`);
}
