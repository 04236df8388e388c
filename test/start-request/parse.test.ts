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
