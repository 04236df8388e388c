import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PortError } from '../ports/errors.js';
import { withFileLock } from './file-lock.js';
import type { FleetState } from './state.js';
import { STATE_FORMAT } from './state.js';

/** Where the fleet lives: one read-modify-write transaction per operation. */
export interface StateStore {
  /** `mutate` may change the state in place or return a replacement. */
  update(mutate: (state: FleetState) => FleetState): Promise<void>;
}

export function memoryStore(seed: FleetState): StateStore {
  let state = structuredClone(seed);
  return {
    update(mutate) {
      // Synchronous on purpose: no other call can interleave inside one transaction.
      state = mutate(state);
      return Promise.resolve();
    },
  };
}

async function readState(file: string, seed: FleetState): Promise<FleetState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOENT') return structuredClone(seed);
    throw err;
  }
  const state = JSON.parse(text) as { format?: unknown };
  if (state.format !== STATE_FORMAT) {
    const found = JSON.stringify(state.format ?? null);
    throw new PortError('validation', `sandbox state ${file} has format ${found}, expected ${String(STATE_FORMAT)}`);
  }
  return state as FleetState;
}

async function writeAtomically(file: string, state: FleetState): Promise<void> {
  const temp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temp, file);
}

/** The JSON file is the state: every transaction reads it, mutates, and renames a new one into place. */
export function fileStore(file: string, seed: FleetState): StateStore {
  let directoryReady: Promise<unknown> | undefined;
  return {
    async update(mutate) {
      directoryReady ??= mkdir(dirname(file), { recursive: true });
      await directoryReady;
      await withFileLock(`${file}.lock`, async () => {
        const next = mutate(await readState(file, seed));
        await writeAtomically(file, next);
      });
    },
  };
}
