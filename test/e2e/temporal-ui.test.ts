import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { isTerminalPhase, type MigrationState } from '../../src/domain/migration-state.js';
import { formatServiceAccountRef } from '../../src/domain/names.js';
import type { MigrationInput } from '../../src/domain/types.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import { pollUntil } from '../contract/subject.js';
import { launchChromium, newOnCallPage, screenshot, screenshotDir } from '../support/browser.js';
import { APPROVER, migrationInput, startHarness, type Harness } from '../support/migration-harness.js';
import { freePort } from '../support/ports.js';
import { createDevServerEnv } from '../support/temporal.js';

/**
 * What on-call sees in the Temporal UI during a migration, in a real browser: the dev
 * server with its UI, a worker on the sandbox, a migration parked at the approval gate,
 * and headless Chromium finding it by the ServiceAccount search attribute. A second
 * migration, of a service account that does not exist, is the control the filter must
 * leave out. Screenshots: see test/support/browser.ts `screenshotDir`.
 */

// The dev server skips no time: short waits keep the run to the gate at a few seconds.
const target = migrationInput({ consistencyWaitSeconds: 1, soakSeconds: 1 });
const decoy = migrationInput(
  { consistencyWaitSeconds: 1, soakSeconds: 1 },
  { serviceAccount: { namespace: 'shop', name: 'ghost' } },
);
const targetId = workflowIdFor(target.serviceAccount);
const decoyId = workflowIdFor(decoy.serviceAccount);
const filter = `ServiceAccount="${formatServiceAccountRef(target.serviceAccount)}"`;

function waitForPhase(h: Harness, input: MigrationInput, done: (s: MigrationState) => boolean) {
  return pollUntil(
    `${formatServiceAccountRef(input.serviceAccount)} to reach the expected phase`,
    async () => {
      const state = await h.service.state(input.serviceAccount);
      return done(state) ? state : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}

/** The workflow list's table row links, by workflow id. */
const runLink = (page: Page, workflowId: string) => page.getByRole('link', { name: workflowId, exact: true });

describe('Temporal UI: the on-call view of a migration', { timeout: 240_000 }, () => {
  let env: TestWorkflowEnvironment;
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let uiUrl: string;
  let runId: string;
  const shots = screenshotDir();

  before(async () => {
    const uiPort = await freePort();
    env = await createDevServerEnv({ ui: true, uiPort });
    uiUrl = `http://127.0.0.1:${uiPort}`;
    h = await startHarness(env);
    await h.service.start(decoy);
    ({ runId } = await h.service.start(target));
    await waitForPhase(h, target, (s) => s.phase === 'AwaitingApproval');
    await waitForPhase(h, decoy, (s) => isTerminalPhase(s.phase));
    browser = await launchChromium();
    ({ page } = await newOnCallPage(browser));
  });

  after(async () => {
    await browser?.close();
    // A failed test can leave the run at the gate: end it so the worker stops at once.
    await env?.client.workflow
      .getHandle(targetId)
      .terminate('temporal-ui test teardown')
      .catch(() => undefined);
    await h?.stop();
    await env?.teardown();
  });

  test('the list filtered by ServiceAccount (query in the URL) shows the run and its phase', async (t) => {
    await page.goto(`${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(filter)}`);
    await runLink(page, targetId).waitFor();
    assert.equal(await runLink(page, decoyId).count(), 0, 'the filter lets the other service account through');

    // On-call's columns: the phase and clusters search attributes instead of run id, type and end.
    await page.getByTestId('workflows-summary-table-configuration-button').click();
    for (const column of ['Run ID', 'Type', 'End']) {
      await page.getByRole('button', { name: `Remove ${column} column` }).click();
    }
    for (const column of ['MigrationPhase', 'Clusters']) {
      await page.getByRole('button', { name: `Add ${column} column` }).click();
    }
    await page.getByRole('button', { name: 'Close' }).first().click();

    const row = page.getByRole('row').filter({ has: runLink(page, targetId) });
    await row.getByText('AwaitingApproval').waitFor();
    const text = await row.innerText();
    for (const cluster of target.clusters) assert.match(text, new RegExp(cluster));
    assert.match(text, /RUNNING/i);
    t.diagnostic(await screenshot(page, shots, 'temporal-ui-list'));
  });

  test('typing the filter into the query box narrows the list to the run', async () => {
    await page.goto(`${uiUrl}/namespaces/default/workflows`);
    await runLink(page, decoyId).waitFor();
    await runLink(page, targetId).waitFor();

    await page.getByTestId('toggle-manual-query').click();
    await page.getByTestId('workflow-manual-search-input').fill(filter);
    await page.getByTestId('workflow-manual-search-button').click();

    // The list reloads: wait for the filter to be applied, the old rows to go, and the new ones to come.
    await page.waitForURL((url) => url.searchParams.get('query')?.replace(/\s/g, '') === filter.replace(/\s/g, ''));
    await runLink(page, decoyId).waitFor({ state: 'detached' });
    await runLink(page, targetId).waitFor();
    assert.equal(await runLink(page, targetId).count(), 1);
    assert.equal(await runLink(page, decoyId).count(), 0);
  });

  test('the run shows its current details: the phase and a line per cluster', async (t) => {
    await runLink(page, targetId).click();
    await page.waitForURL(new RegExp(`/workflows/${encodeURIComponent(targetId)}/${runId}/`));
    await page.getByRole('tab', { name: 'User Metadata' }).click();

    // The UI renders workflow-supplied markdown (summary, details, current details) in frames.
    const summary = page.frameLocator('#user-metadata-summary').locator('body');
    await summary
      .getByText('Migrate payments/reconciler to EKS Pod Identity on sandbox-a, sandbox-b, sandbox-c')
      .waitFor();
    const details = page.frameLocator('#user-metadata-current-details').locator('body');
    await details.getByText('AwaitingApproval').waitFor();
    const text = await details.innerText();
    assert.match(
      text,
      /AwaitingApproval · payments\/reconciler → arn:aws:iam::111122223333:role\/eks-payments-reconciler/,
    );
    for (const cluster of target.clusters) assert.match(text, new RegExp(`${cluster}: migrated \\(\\w+: succeeded\\)`));
    t.diagnostic(await screenshot(page, shots, 'temporal-ui-run'));
  });

  test("the Queries tab runs the workflow's state query and shows per-cluster steps", async (t) => {
    await page.getByRole('tab', { name: 'Queries' }).click();
    await page.getByTestId('query-select-button').click();
    await page.getByRole('option', { name: /^state/ }).click();
    await page.getByRole('button', { name: 'Run Query' }).click();
    const result = page.getByTestId('query-result');
    await result.getByText('"AwaitingApproval"').waitFor();
    // Past the echoed input to the phase and the clusters' steps, for the picture.
    await result.hover();
    await page.mouse.wheel(0, 420);
    await result.getByText('"create-association"').first().waitFor();
    t.diagnostic(await screenshot(page, shots, 'temporal-ui-query'));

    // The formatted view draws only the lines in sight; unformatted, the whole answer is one line.
    await page.getByText('JSON Formatting').click();
    const state = JSON.parse(await result.innerText()) as MigrationState;
    assert.equal(state.phase, 'AwaitingApproval');
    assert.deepEqual(
      state.clusters.map((c) => c.cluster),
      target.clusters,
    );
    for (const cluster of state.clusters) {
      const steps = new Map(cluster.steps.map((s) => [s.step, s.status]));
      assert.equal(cluster.status, 'migrated', cluster.cluster);
      for (const step of ['create-association', 'consistency-wait', 'restart', 'verify'] as const) {
        assert.equal(steps.get(step), 'succeeded', `${cluster.cluster} ${step}`);
      }
    }
  });

  test('after approval the run completes and the UI says so', async () => {
    await h.service.decide(target.serviceAccount, { decision: 'approve', by: APPROVER });
    const final = await h.service.result(target.serviceAccount);
    assert.equal(final.phase, 'Completed');
    await page.goto(`${uiUrl}/namespaces/default/workflows/${encodeURIComponent(targetId)}/${runId}/user-metadata`);
    await page
      .getByTestId('execution-status')
      .getByText(/completed/i)
      .waitFor();
    const details = page.frameLocator('#user-metadata-current-details').locator('body');
    await details.getByText('Completed').first().waitFor();
    assert.match(await details.innerText(), new RegExp(`Decision: approve by ${APPROVER}`));
  });
});
