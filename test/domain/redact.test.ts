import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clip, REDACTED, redactSecrets, shownOutput } from '../../src/domain/redact.js';
import { growthRatio } from '../support/growth.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('redactSecrets', () => {
  test('AWS access key ids (long-term and temporary)', () => {
    assert.equal(redactSecrets('key AKIAIOSFODNN7EXAMPLE here'), `key ${REDACTED} here`);
    assert.equal(redactSecrets('ASIAY34FZKBOKMUTVV7A'), REDACTED);
  });

  test('a secret-looking 40-character base64 run', () => {
    assert.equal(redactSecrets(`secret ${SECRET}`), `secret ${REDACTED}`);
  });

  test('session tokens, in key=value form or as a long base64 run', () => {
    const token = `IQoJb3JpZ2luX2VjE${'A1b2C3d4'.repeat(30)}`;
    assert.doesNotMatch(redactSecrets(`AWS_SESSION_TOKEN=${token}`), /IQoJb3JpZ2lu/);
    assert.doesNotMatch(redactSecrets(`"SessionToken": "${token}"`), /IQoJb3JpZ2lu/);
    assert.equal(redactSecrets(token), REDACTED);
    assert.equal(redactSecrets('aws_secret_access_key = abcdefgh12345678'), `aws_secret_access_key = ${REDACTED}`);
  });

  test('bearer tokens and Slack tokens', () => {
    assert.equal(redactSecrets('Authorization: Bearer eyJhbGciOi.abc.def'), `Authorization: Bearer ${REDACTED}`);
    for (const token of ['xoxb-123-456-abcdef', 'xoxp-1-2-3-abc', 'xoxa-2-abc']) {
      assert.equal(redactSecrets(`token ${token} end`), `token ${REDACTED} end`);
    }
  });

  test('leaves what is not a credential: ARNs, account ids, a SHA-1, ordinary words', () => {
    const plain = [
      'arn:aws:sts::111122223333:assumed-role/eks-payments-reconciler/eks-sandbox-a-reconciler',
      'exited 1: connection refused',
      'commit 3f786850e387550fdab836ed7e6dc881de23001b',
      'https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE',
    ];
    for (const text of plain) assert.equal(redactSecrets(text), text);
  });

  test('linear in the input: pathological text four times longer costs about four times as much', () => {
    const ratio = growthRatio(redactSecrets, (n) => [
      'token'.repeat(n / 5),
      'A'.repeat(n),
      'Bearer '.repeat(n / 7),
      'xoxb-'.repeat(n / 5),
      'secret= '.repeat(n / 8),
    ]);
    assert.ok(ratio < 8, `40k/10k cost ratio ${ratio.toFixed(1)} (quadratic: about 16)`);
  });
});

describe('shownOutput', () => {
  test('redacted before it is cut, so a cut never exposes the start of a secret', () => {
    const text = `${'x'.repeat(480)} ${SECRET}`;
    const shown = shownOutput(text, 500);
    assert.ok(shown.length <= 500);
    assert.doesNotMatch(shown, /wJalrXU/);
  });

  test('clip marks the cut', () => {
    assert.equal(clip('abcdef', 4), 'abc…');
    assert.equal(clip('abc', 4), 'abc');
  });
});
