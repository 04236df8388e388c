import type { MigrationDigest } from '../../src/domain/migration-digest.js';
import { serviceAccountOf } from './format.js';

/**
 * What Slack hands back to the bot later: a button's `value`, a modal's `private_metadata`.
 * They outlive a deploy (an approval request waits in its thread for days), so each carries
 * the version of its shape, and a listener reads only versions it knows: another version is
 * refused with a message, never misread. A payload without a version was written before
 * versions existed and has version 1's fields, so buttons already posted keep working.
 */
export const PAYLOAD_VERSION = 1;

/** The payload, or the sentence the user sees instead (nothing was done). */
export type PayloadRead<T> = { ok: true; payload: T } | { ok: false; refusal: string };

/**
 * What an approval button carries: the service account (how the workflow is addressed) and
 * the run's start time, so a stale button never decides a later run of the same account.
 */
export interface ApprovalButtonValue {
  serviceAccount: string;
  startedAt: string;
}

/** Where the start modal was opened: the channel the run reports to. */
export interface StartModalMetadata {
  channel: string;
}

function encode(fields: object): string {
  return JSON.stringify({ schemaVersion: PAYLOAD_VERSION, ...fields });
}

function decode<T>(
  text: string | undefined,
  what: { thing: string; nothingDone: string; malformed: string },
  fields: (raw: Record<string, unknown>) => T | undefined,
): PayloadRead<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(text ?? '');
  } catch {
    // A malformed payload is refused like a missing one.
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, refusal: what.malformed };
  const record = raw as Record<string, unknown>;
  const version = record.schemaVersion;
  if (version !== undefined && version !== PAYLOAD_VERSION) {
    return {
      ok: false,
      refusal:
        `this ${what.thing} comes from a version of migrate-identity this app does not know ` +
        `(payload version ${JSON.stringify(version)}; it reads version ${PAYLOAD_VERSION}): ${what.nothingDone}. ` +
        'If an upgrade is rolling out, try again once it has finished.',
    };
  }
  const payload = fields(record);
  return payload ? { ok: true, payload } : { ok: false, refusal: what.malformed };
}

export function encodeApprovalValue(state: Pick<MigrationDigest, 'serviceAccount' | 'startedAt'>): string {
  const value: ApprovalButtonValue = { serviceAccount: serviceAccountOf(state), startedAt: state.startedAt };
  return encode(value);
}

export function decodeApprovalValue(text: string | undefined): PayloadRead<ApprovalButtonValue> {
  return decode(
    text,
    { thing: 'button', nothingDone: 'nothing was decided', malformed: 'this button does not name a migration' },
    ({ serviceAccount, startedAt }) =>
      typeof serviceAccount === 'string' && typeof startedAt === 'string' ? { serviceAccount, startedAt } : undefined,
  );
}

export function encodeStartModalMetadata(metadata: StartModalMetadata): string {
  return encode({ channel: metadata.channel });
}

export function decodeStartModalMetadata(text: string | undefined): PayloadRead<StartModalMetadata> {
  return decode(
    text,
    {
      thing: 'form',
      nothingDone: 'nothing was started',
      malformed: 'this form lost its channel: run the command again',
    },
    ({ channel }) => (typeof channel === 'string' ? { channel } : undefined),
  );
}
