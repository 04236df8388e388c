import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  buildFleetReport,
  fitReport,
  knownKeysOf,
  sharedWith,
  type FleetReportInput,
  type InventoryRow,
} from '../../src/domain/fleet-report.js';
import { podIdentityStatement } from '../../src/domain/trust-policy.js';
import { association, catalog, cluster, irsa, role, roleArn, sa } from '../support/fleet-scan-fixtures.js';

const NO_MIGRATIONS = { available: true, running: [] };

/**
 * prod-a: api (IRSA, healthy), worker (Pod Identity), both (annotation + association), win
 * (Windows), keys (hand-set keys). prod-b: api, broken (its issuer is not trusted).
 */
function input(overrides: Partial<FleetReportInput> = {}): FleetReportInput {
  const api = sa('payments', 'api', { irsaRoleArn: roleArn('api') });
  const onPodIdentity = { associations: [{ associationId: 'a-w', roleArn: roleArn('worker') }] };
  return {
    scannedAt: '2025-06-01T00:00:00.000Z',
    scope: { clusters: ['prod-a', 'prod-b'], complete: true },
    clusters: [
      {
        cluster: 'prod-a',
        scan: cluster(
          'prod-a',
          [
            api,
            sa('payments', 'worker', onPodIdentity),
            sa('payments', 'both', { irsaRoleArn: roleArn('worker'), ...onPodIdentity }),
            sa('payments', 'win', {
              irsaRoleArn: roleArn('api'),
              notMigratable: ['pod payments/win-1: runs on a Windows node'],
            }),
            sa('payments', 'keys', { pods: { total: 1, irsa: 0, podIdentity: 0, staticKeys: 1 } }),
          ],
          [association('prod-a', 'payments', 'worker', 'worker'), association('prod-a', 'payments', 'both', 'worker')],
        ),
      },
      { cluster: 'prod-b', scan: cluster('prod-b', [api]) },
    ],
    catalog: catalog([
      role('api', [irsa('prod-a', 'payments', 'api'), irsa('prod-a', 'payments', 'win')]),
      role('worker', [podIdentityStatement('PI'), irsa('prod-a', 'payments', 'both')]),
    ]),
    profiles: [],
    migrations: NO_MIGRATIONS,
    ...overrides,
  };
}

const rowOf = (rows: InventoryRow[], cluster: string, name: string) =>
  rows.find((r) => r.cluster === cluster && r.serviceAccount === name);

describe('buildFleetReport', () => {
  test('one row per service account per cluster, in the state the evidence shows', () => {
    const report = buildFleetReport(input());
    assert.deepEqual(
      report.rows.map((r) => [r.cluster, r.serviceAccount, r.state]),
      [
        ['prod-a', 'api', 'irsa'],
        ['prod-a', 'worker', 'pod-identity'],
        ['prod-a', 'both', 'both'],
        ['prod-a', 'win', 'not-migratable'],
        ['prod-a', 'keys', 'unmanaged'],
        ['prod-b', 'api', 'broken'],
      ],
    );
    assert.deepEqual(rowOf(report.rows, 'prod-a', 'win')?.reasons, ['pod payments/win-1: runs on a Windows node']);
    assert.deepEqual(rowOf(report.rows, 'prod-a', 'keys')?.reasons, ['1 pod(s) set AWS_ACCESS_KEY_ID themselves']);
    const broken = rowOf(report.rows, 'prod-b', 'api');
    assert.deepEqual(broken?.reasons, ["role api's trust lacks this cluster's OIDC issuer or subject"]);
    assert.deepEqual(broken?.drift, [`irsa-trust-missing:prod-b:payments/api:${roleArn('api')}`]);
    assert.deepEqual(report.summary.states, {
      broken: 1,
      irsa: 1,
      both: 1,
      'pod-identity': 1,
      'not-migratable': 1,
      unmanaged: 1,
    });
    assert.deepEqual(report.summary.findings, { broken: 1, risk: 0, cleanup: 0 });
  });

  test('broken beats not migratable: a Windows pod whose trust is gone is broken now', () => {
    const base = input();
    const scan = 'scan' in base.clusters[1]! ? base.clusters[1].scan : undefined;
    scan!.serviceAccounts[0]!.notMigratable = ['runs on Fargate'];
    assert.equal(rowOf(buildFleetReport(base).rows, 'prod-b', 'api')?.state, 'broken');
  });

  test('a missing OIDC provider breaks the cluster’s IRSA rows, not those on Pod Identity', () => {
    const report = buildFleetReport(input({ catalog: { ...input().catalog!, oidcProviders: [] } }));
    assert.equal(rowOf(report.rows, 'prod-a', 'api')?.state, 'broken');
    assert.equal(rowOf(report.rows, 'prod-a', 'both')?.state, 'both');
    assert.equal(rowOf(report.rows, 'prod-a', 'worker')?.state, 'pod-identity');
  });

  test("roles with their users, trust headroom and profile; each row's sharers", () => {
    const report = buildFleetReport(
      input({
        profiles: [
          {
            arn: roleArn('api'),
            name: 'api',
            policy: {
              policies: 1,
              statements: 1,
              actions: 1,
              resources: 1,
              wildcardActions: [],
              allResources: false,
              admin: false,
            },
            tags: 0,
          },
        ],
      }),
    );
    const api = report.roles.find((r) => r.name === 'api');
    assert.equal(api?.status, 'ok');
    assert.deepEqual(
      api?.users.map((u) => `${u.cluster}:${u.serviceAccount}:${u.via}`),
      ['prod-a:payments/api:irsa', 'prod-a:payments/win:irsa', 'prod-b:payments/api:irsa'],
    );
    assert.equal(api?.trust?.limit, 2048);
    assert.equal(api?.trust?.headroom, 2048 - (api?.trust?.size ?? 0));
    assert.equal(api?.trust?.oidcIssuers, 1);
    assert.equal(api?.policy?.actions, 1);
    assert.equal(report.roles.find((r) => r.name === 'worker')?.trust?.podIdentity, true);
    assert.deepEqual(sharedWith(report, rowOf(report.rows, 'prod-a', 'api')!), {
      serviceAccounts: ['payments/win'],
      clusters: ['prod-b'],
    });
    const missing = buildFleetReport(input({ catalog: catalog([]) })).roles.find((r) => r.name === 'api');
    assert.deepEqual([missing?.status, missing?.trust], ['missing', undefined]);
  });

  test('running migrations are joined by service account and cluster, when visibility could answer', () => {
    const running = [
      {
        workflowId: 'migrate-identity/payments/api',
        runId: 'r1',
        serviceAccount: 'payments/api',
        clusters: ['prod-b'],
      },
    ];
    const report = buildFleetReport(input({ migrations: { available: true, running } }));
    assert.deepEqual(rowOf(report.rows, 'prod-b', 'api')?.migrations, [
      { workflowId: 'migrate-identity/payments/api', runId: 'r1' },
    ]);
    assert.deepEqual(rowOf(report.rows, 'prod-a', 'api')?.migrations, []);
    const unknown = buildFleetReport(input({ migrations: { available: false, running: [], note: 'no visibility' } }));
    assert.deepEqual(unknown.migrationLookup, { available: false, note: 'no visibility' });
  });

  test('a migration a campaign started names the campaign', () => {
    const running = [
      {
        workflowId: 'migrate-identity/payments/api',
        runId: 'r1',
        serviceAccount: 'payments/api',
        clusters: ['prod-a', 'prod-b'],
        campaignId: 'q3-payments',
      },
    ];
    const report = buildFleetReport(input({ migrations: { available: true, running } }));
    assert.deepEqual(rowOf(report.rows, 'prod-a', 'api')?.migrations, [
      { workflowId: 'migrate-identity/payments/api', runId: 'r1', campaignId: 'q3-payments' },
    ]);
  });

  test('new findings are those the previous scheduled scan did not know; on-demand scans do not compare', () => {
    const key = `irsa-trust-missing:prod-b:payments/api:${roleArn('api')}`;
    assert.equal(buildFleetReport(input()).newFindingKeys, undefined);
    assert.deepEqual(buildFleetReport(input({ previousKeys: [] })).newFindingKeys, [key]);
    assert.deepEqual(buildFleetReport(input({ previousKeys: [key] })).newFindingKeys, []);
    assert.deepEqual(buildFleetReport(input({ previousKeys: [key, 'fixed:since'] })).knownFindingKeys, [key]);
  });

  test('an unreadable cluster keeps the last known keys, so its drift is not "new" when it answers again', () => {
    const base = input();
    const report = buildFleetReport({
      ...base,
      clusters: [base.clusters[0]!, { cluster: 'prod-b', error: 'AccessDenied' }],
      previousKeys: ['irsa-trust-missing:prod-b:payments/api:x'],
    });
    assert.deepEqual(report.clusters[1], { cluster: 'prod-b', status: 'failed', error: 'AccessDenied', findings: [] });
    assert.deepEqual(report.knownFindingKeys, ['irsa-trust-missing:prod-b:payments/api:x']);
    assert.deepEqual(report.newFindingKeys, []);
  });

  test('without IAM the report says what it cannot check', () => {
    const report = buildFleetReport(input({ catalog: undefined, catalogError: 'AccessDenied: iam:ListRoles' }));
    assert.deepEqual(report.notes, ['IAM could not be read, role checks skipped: AccessDenied: iam:ListRoles']);
    assert.deepEqual(report.findings, []);
    assert.equal(report.roles.find((r) => r.name === 'api')?.status, 'other-account');
  });

  test('knownKeysOf reads only a well-formed previous report', () => {
    assert.deepEqual(knownKeysOf({ knownFindingKeys: ['a'] }), ['a']);
    assert.equal(knownKeysOf(undefined), undefined);
    assert.equal(knownKeysOf({ knownFindingKeys: [1] }), undefined);
  });
});

describe('fitReport', () => {
  test('a report over the budget drops healthy rows first, then shortens fix commands, and says so', () => {
    const report = buildFleetReport(input({ previousKeys: [] }));
    assert.equal(fitReport(report), report, 'small reports pass unchanged');
    const size = JSON.stringify(report).length;
    const rowsCut = fitReport(report, size - 10);
    assert.ok(rowsCut.rows.length < report.rows.length);
    const dropped = report.rows.filter((r) => !rowsCut.rows.includes(r));
    assert.ok(dropped.length > 0);
    assert.ok(
      dropped.every((r) => ['irsa', 'pod-identity'].includes(r.state) && r.drift.length === 0),
      'only quiet rows',
    );
    assert.ok(
      rowsCut.rows.some((r) => r.state === 'broken'),
      'the broken row stays',
    );
    assert.match(rowsCut.notes[0] ?? '', /healthy row\(s\) without drift left out/);
    assert.deepEqual(rowsCut.summary, report.summary, 'the counts still cover everything');
    // Over even without its quiet rows: the fix commands are shortened, and nothing more goes.
    const loud = report.rows.filter((r) => !['irsa', 'pod-identity'].includes(r.state) || r.drift.length > 0);
    const short = report.findings.map((f) => ({
      ...f,
      fix: f.fix.map((c) => (c.length > 300 ? `${c.slice(0, 300)}…` : c)),
    }));
    const shortened = fitReport(report, JSON.stringify({ ...report, rows: loud, findings: short }).length + 400);
    assert.equal(shortened.findings.length, report.findings.length);
    assert.ok(shortened.findings.some((f, i) => f.fix.join().length < (report.findings[i]?.fix.join().length ?? 0)));
    assert.ok(shortened.findings.every((f) => f.fix.every((c) => c.length <= 301)));
    assert.ok(
      shortened.notes.some((n) => /fix commands shortened/.test(n)),
      shortened.notes.join('\n'),
    );
  });

  test('the cuts stop as soon as the report fits: nothing further goes', () => {
    const whole = buildFleetReport(input({ previousKeys: [] }));
    // No healthy rows to leave out: the role summaries are the first to go.
    const report = { ...whole, rows: whole.rows.filter((r) => r.state !== 'irsa' && r.state !== 'pod-identity') };
    const findings = report.findings.map((f) => ({
      ...f,
      fix: f.fix.map((c) => (c.length > 300 ? `${c.slice(0, 300)}…` : c)),
    }));
    const budget = JSON.stringify({ ...report, findings, roles: report.roles.slice(0, 1) }).length + 300;
    const fitted = fitReport(report, budget);
    assert.ok(JSON.stringify(fitted).length <= budget);
    assert.ok(fitted.roles.length < report.roles.length, 'role summaries cut');
    assert.deepEqual(fitted.rows, report.rows, 'every row kept');
    assert.deepEqual(fitted.findings.length, report.findings.length, 'every finding kept');
    assert.ok(
      fitted.notes.every((n) => !/more (row|finding)\(s\)/.test(n)),
      fitted.notes.join('\n'),
    );
  });

  test('a report still over the budget loses role summaries, rows, then findings, from the end: the result always fits, the counts stay', () => {
    const report = buildFleetReport(input({ previousKeys: [] }));
    // Room for the notes and little else.
    const budget = JSON.stringify({ ...report, rows: [], roles: [], findings: [] }).length + 700;
    assert.ok(JSON.stringify(report.findings).length > 1_000, 'the findings alone do not fit');
    const fitted = fitReport(report, budget);
    assert.ok(JSON.stringify(fitted).length <= budget, `${JSON.stringify(fitted).length} > ${budget}`);
    assert.deepEqual(fitted.rows, []);
    assert.deepEqual(fitted.roles, [], 'the role summaries go before the rows');
    assert.ok(fitted.findings.length < report.findings.length);
    assert.deepEqual(fitted.findings, report.findings.slice(0, fitted.findings.length), 'the first findings kept');
    assert.ok(
      fitted.notes.some((n) => /more row\(s\) left out/.test(n)),
      fitted.notes.join('\n'),
    );
    assert.ok(
      fitted.notes.some((n) => /more finding\(s\) left out/.test(n)),
      fitted.notes.join('\n'),
    );
    assert.deepEqual(fitted.summary, report.summary);
    assert.deepEqual(fitted.knownFindingKeys, report.knownFindingKeys);
    assert.ok(report.rows.length > 0 && report.findings.length > 0, 'the report it was cut from is whole');
  });
});
