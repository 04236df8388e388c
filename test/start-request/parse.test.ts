import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseFlags, tokenize } from '../../src/start-request/args.js';
import { buildMigrationInput } from '../../src/start-request/parse.js';
import { defaultFleet, parseFleet } from '../../src/config/fleet.js';
import { ValidationError } from '../../src/domain/errors.js';

const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';
const ctx = { fleet: defaultFleet(), requestedBy: 'alice' };
const build = (text: string, extra: Partial<Parameters<typeof buildMigrationInput>[1]> = {}) =>
  buildMigrationInput(tokenize(text), { ...ctx, ...extra });

describe('tokenize', () => {
  test('splits on whitespace and honours straight and Slack curly quotes', () => {
    assert.deepEqual(tokenize(`a  --x "b c" 'd e'`), ['a', '--x', 'b c', 'd e']);
    assert.deepEqual(tokenize('--verify-command “curl -sf http://x”'), ['--verify-command', 'curl -sf http://x']);
    assert.deepEqual(tokenize('--x ""'), ['--x', '']);
  });
  test('an unterminated quote is an error', () => {
    assert.throws(() => tokenize('a "b'), /unterminated " quote/);
  });
});

describe('parseFlags', () => {
  const spec = { values: ['role'], booleans: ['json'] } as const;
  test('--name value, --name=value and booleans', () => {
    assert.deepEqual(parseFlags(['x', '--role', 'r', '--json'], spec), {
      positionals: ['x'],
      flags: { role: 'r', json: true },
    });
    assert.deepEqual(parseFlags(['--role=a=b'], spec).flags, { role: 'a=b' });
  });
  test('unknown flags, missing values and values on booleans are named', () => {
    assert.throws(() => parseFlags(['--nope'], spec), /unknown option --nope \(known: --role, --json\)/);
    assert.throws(() => parseFlags(['--role'], spec), /--role needs a value/);
    assert.throws(() => parseFlags(['--role', '--json'], spec), /--role needs a value/);
    assert.throws(() => parseFlags(['--json=1'], spec), /--json takes no value/);
  });
});

describe('buildMigrationInput', () => {
  test('builds the workflow input with defaults from the fleet and the product', () => {
    const input = build(`payments/reconciler --role ${ROLE} --clusters sandbox-a,sandbox-b --approvers bob`);
    assert.deepEqual(input.serviceAccount, { namespace: 'payments', name: 'reconciler' });
    assert.deepEqual(input.clusters, ['sandbox-a', 'sandbox-b']);
    assert.equal(input.options.consistencyWaitSeconds, 30);
    assert.equal(input.options.soakSeconds, 300);
    assert.equal(input.options.approvalWindowSeconds, 7 * 86400);
    assert.equal(input.options.onApprovalTimeout, 'hold');
    assert.equal(input.options.keepIrsaTrust, false);
    assert.deepEqual(input.options.approvers, ['bob']);
    assert.equal(input.requestedBy, 'alice');
  });

  test('the trust is scoped unless --unscoped-trust; --disable-session-tags is recorded for the associations', () => {
    const plain = build(`payments/reconciler --role ${ROLE} --clusters sandbox-a --approvers bob`);
    assert.equal(plain.options.unscopedTrust, undefined);
    assert.equal(plain.options.disableSessionTags, undefined);
    const opted = build(
      `payments/reconciler --role ${ROLE} --clusters sandbox-a --approvers bob --unscoped-trust --disable-session-tags`,
    );
    assert.equal(opted.options.unscopedTrust, true);
    assert.equal(opted.options.disableSessionTags, true);
    assert.throws(
      () => build(`payments/reconciler --role ${ROLE} --clusters sandbox-a --unscoped-trust=yes`),
      /takes no value/,
    );
  });

  test('--target-role is recorded for the associations; it must be another role of the same partition', () => {
    const TARGET = 'arn:aws:iam::444455556666:role/payments-data';
    const base = `payments/reconciler --role ${ROLE} --clusters sandbox-a --approvers bob`;
    assert.equal(build(base).options.targetRoleArn, undefined);
    assert.equal(build(`${base} --target-role ${TARGET}`).options.targetRoleArn, TARGET);
    assert.throws(
      () => build(`${base} --target-role payments-data`),
      (err: unknown) => {
        assert.ok(err instanceof ValidationError);
        assert.equal(err.field, 'target-role');
        assert.match(err.message, /^--target-role: role ARN "payments-data" is not an IAM role ARN/);
        return true;
      },
    );
    assert.throws(() => build(`${base} --target-role ${ROLE}`), /--target-role is the --role itself/);
    assert.throws(
      () => build(`${base} --target-role arn:aws-cn:iam::444455556666:role/payments-data`),
      /--target-role is in partition aws-cn, --role in aws/,
    );
  });

  test('every option is parsed', () => {
    const input = build(
      `payments/reconciler --role ${ROLE} --clusters sandbox-c --approvers bob,carol --consistency-wait 45s --soak 0 ` +
        `--probe healthz --keep-irsa-trust --approval-window 2d ` +
        `--approval-reminder 6h --on-approval-timeout rollback --rollout-timeout 15m`,
    );
    assert.deepEqual(input.options, {
      consistencyWaitSeconds: 45,
      soakSeconds: 0,
      approvers: ['bob', 'carol'],
      approvalReminderSeconds: 6 * 3600,
      approvalWindowSeconds: 2 * 86400,
      onApprovalTimeout: 'rollback',
      verifyProbe: 'healthz',
      keepIrsaTrust: true,
      rolloutTimeoutSeconds: 900,
    });
  });

  test('--observe and --observe-every set only what they name; without them the worker’s fleet decides', () => {
    const base = `payments/reconciler --role ${ROLE} --clusters sandbox-a --approvers bob`;
    assert.equal(build(base).options.observation, undefined);
    assert.deepEqual(build(`${base} --observe 0`).options.observation, { durationSeconds: 0 });
    assert.deepEqual(build(`${base} --observe 3d --observe-every 2h`).options.observation, {
      durationSeconds: 3 * 86_400,
      sampleSeconds: 2 * 3600,
    });
    assert.throws(() => build(`${base} --observe-every 0`), /--observe-every must be more than 0/);
    assert.throws(() => build(`${base} --observe 60d`), /--observe 60d is over the maximum of 30d/);
  });

  test('CloudTrail evidence flags set only what they name', () => {
    const input = build(
      `payments/reconciler --role ${ROLE} --clusters sandbox-a --approvers bob --sdk-audit-lookback 48h --evidence-wait 30m --missing-evidence warn`,
    );
    assert.deepEqual(input.options.evidence, {
      sdkAuditLookbackSeconds: 48 * 3600,
      waitSeconds: 1800,
      missing: 'warn',
    });
    const some = build(
      `payments/reconciler --role ${ROLE} --clusters sandbox-a --approvers bob --sdk-audit-lookback 0`,
    );
    assert.deepEqual(some.options.evidence, { sdkAuditLookbackSeconds: 0 });
    assert.equal(
      build(`payments/reconciler --role ${ROLE} --clusters sandbox-a --approvers bob`).options.evidence,
      undefined,
    );
  });

  test('fleet defaults apply and configured approvers join', () => {
    const fleet = parseFleet('mode: sandbox\ndefaults:\n  soak: 1m\n  approvers: [dave]\n', 'test');
    const input = buildMigrationInput(tokenize(`payments/reconciler --role ${ROLE} --clusters sandbox-a`), {
      fleet,
      requestedBy: 'alice',
      extraApprovers: ['erin'],
    });
    assert.equal(input.options.soakSeconds, 60);
    assert.deepEqual(input.options.approvers, ['dave', 'erin']);
  });

  const bad: [string, RegExp][] = [
    [`--role ${ROLE} --clusters sandbox-a --approvers bob`, /missing <namespace>\/<service-account>/],
    [
      `a/b c/d --role ${ROLE} --clusters sandbox-a --approvers bob`,
      /expected one <namespace>\/<service-account>, got 2/,
    ],
    [`Payments/reconciler --role ${ROLE} --clusters sandbox-a --approvers bob`, /namespace/],
    [`payments/reconciler --clusters sandbox-a --approvers bob`, /missing --role/],
    [
      `payments/reconciler --role arn:aws:iam::1:role/x --clusters sandbox-a --approvers bob`,
      /not an IAM role ARN|12-digit/,
    ],
    [`payments/reconciler --role ${ROLE} --approvers bob`, /missing --clusters/],
    [`payments/reconciler --role ${ROLE} --clusters sandbox-a,prod-z --approvers bob`, /prod-z/],
    [`payments/reconciler --role ${ROLE} --clusters sandbox-a,sandbox-a --approvers bob`, /sandbox-a/],
    [`payments/reconciler --role ${ROLE} --clusters sandbox-a`, /no approvers/],
    [
      `payments/reconciler --role ${ROLE} --clusters sandbox-a --approvers alice`,
      /the only approver is the requester \(alice\)/,
    ],
    [`payments/reconciler --role ${ROLE} --clusters sandbox-a --approvers bob --soak soon`, /--soak/],
    [
      `payments/reconciler --role ${ROLE} --clusters sandbox-a --approvers bob --on-approval-timeout maybe`,
      /hold or rollback/,
    ],
    [`payments/reconciler --role ${ROLE} --clusters sandbox-a --approvers bob --approval-reminder 0`, /more than 0/],
    [
      `payments/reconciler --role ${ROLE} --clusters sandbox-a --approvers bob --verify-command "sh -c id"`,
      /--verify-command is no longer accepted: name a verification probe from the access policy with --probe/,
    ],
    [`payments/reconciler --role ${ROLE} --clusters sandbox-a --approvers bob --probe "sh -c id"`, /not a probe name/],
    [`payments/reconciler --role ${ROLE} --clusters sandbox-a --approvers bob --force`, /unknown option --force/],
    [
      `payments/reconciler --role ${ROLE} --clusters sandbox-a --approvers bob --missing-evidence maybe`,
      /--missing-evidence must be block or warn/,
    ],
    [
      `payments/reconciler --role ${ROLE} --clusters sandbox-a --approvers bob --evidence-wait later`,
      /--evidence-wait/,
    ],
    [
      `payments/reconciler --role ${ROLE} --clusters sandbox-a --approvers bob --evidence-wait 36500d`,
      /--evidence-wait 36500d is over the maximum of 1d/,
    ],
    [
      `payments/reconciler --role ${ROLE} --clusters sandbox-a --approvers bob --sdk-audit-lookback 365d`,
      /--sdk-audit-lookback 365d is over the maximum of 90d/,
    ],
  ];
  for (const [text, message] of bad) {
    test(`refuses: ${text}`, () => {
      assert.throws(
        () => build(text),
        (err: unknown) => err instanceof ValidationError && message.test(err.message),
      );
    });
  }

  test('plan needs no approvers', () => {
    const input = build(`payments/reconciler --role ${ROLE} --clusters sandbox-a`, { requireApprovers: false });
    assert.deepEqual(input.options.approvers, []);
  });
});
