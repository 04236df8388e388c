import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultFleet, parseFleet } from '../../src/config/fleet.js';
import { ConfigError } from '../../src/config/index.js';
import { ValidationError } from '../../src/domain/errors.js';
import { DEFAULT_PROBE } from '../../src/domain/verification-pod.js';
import { verificationDeps, verificationProbe } from '../../src/runtime/verification.js';
import { tokenize } from '../../src/start-request/args.js';
import { buildMigrationInput } from '../../src/start-request/parse.js';

const START =
  'payments/reconciler --role arn:aws:iam::111122223333:role/eks-payments-reconciler --clusters sandbox-a --approvers bob';
const build = (extra: string, fleet = defaultFleet()) =>
  buildMigrationInput(tokenize(`${START} ${extra}`), { fleet, requestedBy: 'alice' });

describe('start options: how verification checks, and a shared role accepted', () => {
  test('--verify-with pod|exec|both; unset it stays unset (both); the fleet default applies', () => {
    assert.equal(build('').options.verifyWith, undefined);
    assert.equal(build('--verify-with pod').options.verifyWith, 'pod');
    assert.equal(build('--verify-with=exec').options.verifyWith, 'exec');
    const fleet = parseFleet('mode: sandbox\ndefaults: { verifyWith: pod }\n', 'test');
    assert.equal(build('', fleet).options.verifyWith, 'pod');
    assert.equal(build('--verify-with both', fleet).options.verifyWith, 'both');
    assert.throws(
      () => build('--verify-with pods'),
      (err: unknown) =>
        err instanceof ValidationError && /--verify-with must be pod, exec or both, not "pods"/.test(err.message),
    );
  });

  test("a named --probe runs in the app's pods: refused with --verify-with pod, kept with exec or both", () => {
    assert.equal(build('--probe sts --verify-with exec').options.verifyProbe, 'sts');
    assert.equal(build('--probe sts').options.verifyProbe, 'sts');
    assert.throws(
      () => build('--probe sts --verify-with pod'),
      (err: unknown) =>
        err instanceof ValidationError &&
        err.message === "--probe sts runs in the app's pods, which --verify-with pod leaves out: use exec or both",
    );
  });

  test('--accept-shared-role is recorded in the input, and absent otherwise', () => {
    assert.equal(build('--accept-shared-role').options.acceptSharedRole, true);
    assert.equal('acceptSharedRole' in build('').options, false);
  });
});

describe('fleet file: verification', () => {
  test('defaults to the AWS CLI image with a 2-minute deadline; every field can be set; pod: false turns it off', () => {
    assert.deepEqual(verificationProbe({ fleet: defaultFleet() }), DEFAULT_PROBE);
    const fleet = parseFleet(
      [
        'mode: sandbox',
        'verification:',
        '  probeImage: 123456789012.dkr.ecr.us-east-1.amazonaws.com/sts-probe:1',
        '  probeCommand: [/get-caller-identity]',
        '  probeDeadline: 90s',
      ].join('\n'),
      'test',
    );
    assert.deepEqual(verificationProbe({ fleet }), {
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/sts-probe:1',
      command: ['/get-caller-identity'],
      deadlineSeconds: 90,
    });
    const off = parseFleet('mode: sandbox\nverification: { pod: false }\n', 'test');
    assert.equal(verificationProbe({ fleet: off }), undefined);
    assert.deepEqual(verificationDeps({ fleet: off }), {
      fleetClusters: ['sandbox-a', 'sandbox-b', 'sandbox-c', 'sandbox-unhealthy'],
    });
  });

  test('a deadline too short or unreadable, or an unknown field, stops start-up naming it', () => {
    const short = parseFleet('mode: sandbox\nverification: { probeDeadline: 5s }\n', 'test');
    assert.throws(
      () => verificationProbe({ fleet: short }),
      (err: unknown) => err instanceof ConfigError && /probeDeadline: at least 10s/.test(err.message),
    );
    const bad = parseFleet('mode: sandbox\nverification: { probeDeadline: soon }\n', 'test');
    assert.throws(
      () => verificationProbe({ fleet: bad }),
      (err: unknown) => err instanceof ConfigError && /verification.probeDeadline/.test(err.message),
    );
    assert.throws(() => parseFleet('mode: sandbox\nverification: { image: x }\n', 'test'), ConfigError);
  });
});
