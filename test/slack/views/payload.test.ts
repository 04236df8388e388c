import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decodeApprovalValue,
  decodeStartModalMetadata,
  encodeApprovalValue,
  encodeStartModalMetadata,
  PAYLOAD_VERSION,
} from '../../../slack/views/payload.js';

const SA = { namespace: 'payments', name: 'reconciler' };
const STARTED = '2025-06-01T09:00:00.000Z';
/** Exactly what approval buttons posted before payloads had versions carry. */
const LEGACY_BUTTON = '{"serviceAccount":"payments/reconciler","startedAt":"2025-06-01T09:00:00.000Z"}';
const LEGACY_FORM = '{"channel":"C0PLATFORM"}';

describe('Slack interaction payloads', () => {
  test('are written with the current version, and read back', () => {
    const value = encodeApprovalValue({ serviceAccount: SA, startedAt: STARTED });
    assert.deepEqual(JSON.parse(value), {
      schemaVersion: PAYLOAD_VERSION,
      serviceAccount: 'payments/reconciler',
      startedAt: STARTED,
    });
    assert.deepEqual(decodeApprovalValue(value), {
      ok: true,
      payload: { serviceAccount: 'payments/reconciler', startedAt: STARTED },
    });
    const metadata = encodeStartModalMetadata({ channel: 'C0PLATFORM' });
    assert.deepEqual(JSON.parse(metadata), { schemaVersion: PAYLOAD_VERSION, channel: 'C0PLATFORM' });
    assert.deepEqual(decodeStartModalMetadata(metadata), { ok: true, payload: { channel: 'C0PLATFORM' } });
  });

  test('unversioned ones, from before versions, still read as version 1', () => {
    assert.deepEqual(decodeApprovalValue(LEGACY_BUTTON), {
      ok: true,
      payload: { serviceAccount: 'payments/reconciler', startedAt: STARTED },
    });
    assert.deepEqual(decodeStartModalMetadata(LEGACY_FORM), { ok: true, payload: { channel: 'C0PLATFORM' } });
  });

  test('another version is refused, naming it, even when its fields look right', () => {
    for (const version of [2, 0, '1', null]) {
      const button = decodeApprovalValue(JSON.stringify({ ...JSON.parse(LEGACY_BUTTON), schemaVersion: version }));
      assert.equal(button.ok, false, String(version));
      assert.match(
        button.ok ? '' : button.refusal,
        new RegExp(
          `^this button comes from a version of migrate-identity this app does not know \\(payload version ${JSON.stringify(version)}; it reads version 1\\): nothing was decided\\.`,
        ),
      );
      const form = decodeStartModalMetadata(JSON.stringify({ channel: 'C0PLATFORM', schemaVersion: version }));
      assert.match(form.ok ? '' : form.refusal, /^this form comes from a version .*: nothing was started\./);
    }
  });

  test('malformed ones are refused as before', () => {
    for (const text of ['', 'null', '[]', '"x"', '{"channel":7}', undefined]) {
      assert.deepEqual(decodeStartModalMetadata(text), {
        ok: false,
        refusal: 'this form lost its channel: run the command again',
      });
    }
    assert.deepEqual(decodeApprovalValue('{"serviceAccount":"payments/reconciler"}'), {
      ok: false,
      refusal: 'this button does not name a migration',
    });
  });
});
