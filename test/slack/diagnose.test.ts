import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DiagnosesApi } from '../../slack/deps.js';
import type { Diagnosis } from '../../src/domain/diagnosis.js';
import type { DiagnoseRun } from '../../src/temporal/diagnoses.js';
import type { DiagnoseInput } from '../../workflows/diagnose/messages.js';
import { diagnosisFixture, DIAGNOSIS_URL } from '../support/diagnosis-fixture.js';
import { openPolicy, startSlackHarness, type SlackHarness } from '../support/slack-harness.js';
import { StubMigrations } from '../support/slack-stub-migrations.js';

/** Diagnoses without Temporal: each run finishes when the test says so. */
class StubDiagnoses implements DiagnosesApi {
  readonly started: DiagnoseInput[] = [];
  private finish: ((d: Diagnosis) => void) | undefined;
  private fail: ((e: Error) => void) | undefined;

  start(input: DiagnoseInput): Promise<DiagnoseRun> {
    this.started.push(input);
    return Promise.resolve({
      workflowId: 'migrate-identity-diagnose/orders/checkout/1a2b3c4d',
      runId: 'r',
      url: DIAGNOSIS_URL,
    });
  }

  result(): Promise<Diagnosis> {
    return new Promise((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
    });
  }

  complete(d: Diagnosis): void {
    this.finish?.(d);
  }

  error(e: Error): void {
    this.fail?.(e);
  }
}

describe('/migrate-identity diagnose', () => {
  let h: SlackHarness;
  let diagnoses: StubDiagnoses;
  before(async () => {
    diagnoses = new StubDiagnoses();
    // Anyone may start under this policy, so anyone may view, and so diagnose.
    h = await startSlackHarness({
      migrations: new StubMigrations(),
      diagnoses,
      policy: openPolicy({ users: ['U0APP'] }),
    });
  });
  after(() => h.close());

  const answers = (id: string, count: number) =>
    h.api.waitFor(() => {
      const all = h.api.responses.filter((r) => r.id === id);
      return all.length >= count ? all : undefined;
    }, `${count} answer(s) on ${id}`);

  test('acked at once, started over the fleet, "diagnosing" first, then the matrix on the same response_url', async () => {
    const res = await h.command('diagnose orders/checkout --clusters sandbox-a,sandbox-b');
    assert.equal(res.status, 200);
    const [started] = await answers(res.responseId, 1);
    assert.equal(started?.body.response_type, 'ephemeral');
    assert.equal(started?.body.text, 'Diagnosing orders/checkout');
    assert.ok(JSON.stringify(started?.body).includes(DIAGNOSIS_URL));
    assert.deepEqual(diagnoses.started[0]?.serviceAccount, { namespace: 'orders', name: 'checkout' });
    assert.deepEqual(diagnoses.started[0]?.clusters, ['sandbox-a', 'sandbox-b']);
    assert.equal(diagnoses.started[0]?.verificationPod, true);
    assert.equal(diagnoses.started[0]?.requestedBy, 'U0REQUESTER');

    diagnoses.complete(diagnosisFixture());
    const [, matrix] = await answers(res.responseId, 2);
    assert.equal(matrix?.body.text, 'orders/checkout: 2 failing, 0 warning, 4 passing');
    const text = JSON.stringify(matrix?.body);
    assert.ok(text.includes(':x: *irsa-consistency*'), text);
    assert.ok(text.includes('update-assume-role-policy'), text);
  });

  test('a diagnosis that fails says so on the same response_url; bad input is refused before anything starts', async () => {
    const res = await h.command('diagnose orders/checkout --no-pod');
    await answers(res.responseId, 1);
    assert.equal(diagnoses.started.at(-1)?.verificationPod, false);
    diagnoses.error(new Error('worker gone'));
    const [, failed] = await answers(res.responseId, 2);
    assert.match(String(failed?.body.text), /diagnosis of orders\/checkout failed: worker gone/);

    const count = diagnoses.started.length;
    const bad = await h.command('diagnose orders');
    const [refused] = await answers(bad.responseId, 1);
    assert.equal(refused?.body.text, 'service account "orders" must be written <namespace>/<name>, e.g. payments/api');
    assert.equal(diagnoses.started.length, count);
  });
});

describe('/migrate-identity diagnose without an access policy', () => {
  test('is refused, saying how to configure one, and starts nothing', async () => {
    const diagnoses = new StubDiagnoses();
    const h = await startSlackHarness({ migrations: new StubMigrations(), diagnoses });
    try {
      const res = await h.command('diagnose orders/checkout');
      const [refused] = await h.api.waitFor(() => {
        const all = h.api.responses.filter((r) => r.id === res.responseId);
        return all.length >= 1 ? all : undefined;
      }, 'the refusal');
      assert.match(String(refused?.body.text), /Diagnoses are not shown in Slack yet: no access policy is configured/);
      assert.equal(diagnoses.started.length, 0);
    } finally {
      await h.close();
    }
  });
});
