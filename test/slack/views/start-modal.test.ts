import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { unescapeCommandText } from '../../../slack/command-text.js';
import type { KnownBlock } from '../../../slack/views/block-kit.js';
import { blockLimitViolations, LIMITS } from '../../../slack/views/limits.js';
import { blockForField, FIELD, startModal, startModalTokens } from '../../../slack/views/start-modal.js';
import { matchSnapshot } from '../../support/slack-snapshot.js';

describe('start modal', () => {
  test('snapshot, within Slack limits', () => {
    const view = startModal(['sandbox-a', 'sandbox-b'], { channel: 'C0PLATFORM' });
    matchSnapshot('start-modal', view);
    assert.deepEqual(blockLimitViolations(view.blocks as KnownBlock[], LIMITS.blocksPerModal), []);
    assert.ok(view.title.text.length <= LIMITS.modalTitle);
    assert.ok((view.private_metadata ?? '').length <= LIMITS.privateMetadata);
  });

  test('a fleet too large for a select gets a text field instead', () => {
    const names = Array.from({ length: LIMITS.staticSelectOptions + 1 }, (_, i) => `c${i}`);
    const blocks = startModal(names, { channel: 'C1' }).blocks as KnownBlock[];
    const block = blocks.find((b) => b.block_id === FIELD.clusters);
    assert.equal(block?.type === 'input' ? block.element.type : undefined, 'plain_text_input');
  });

  test('submitted values become the command tokens, empty optional fields left out', () => {
    const tokens = startModalTokens({
      [FIELD.serviceAccount]: { value: { value: ' payments/api ' } },
      [FIELD.role]: { value: { value: 'arn:aws:iam::111122223333:role/r' } },
      [FIELD.clusters]: { value: { selected_options: [{ value: 'b' }, { value: 'a' }] } },
      [FIELD.approvers]: { value: { selected_users: [] } },
      [FIELD.soak]: { value: { value: '' } },
      [FIELD.probe]: { value: { selected_option: { value: 'aws-sts-json' } } },
      [FIELD.keepIrsaTrust]: { value: { selected_options: [{ value: 'keep' }] } },
    });
    assert.deepEqual(tokens, [
      'payments/api',
      '--role',
      'arn:aws:iam::111122223333:role/r',
      '--clusters',
      'b,a',
      '--probe',
      'aws-sts-json',
      '--keep-irsa-trust',
    ]);
  });

  test('validation errors map to their blocks', () => {
    assert.equal(blockForField('roleArn'), FIELD.role);
    assert.equal(blockForField('consistency-wait'), FIELD.consistencyWait);
    assert.equal(blockForField('approval-window'), FIELD.serviceAccount);
    assert.equal(blockForField(undefined), FIELD.serviceAccount);
  });
});

describe('command text as Slack escapes it', () => {
  test('mentions, groups, channels and links become plain ids and text', () => {
    assert.equal(
      unescapeCommandText(
        'a/b --approvers <@U0A|alice>,<!subteam^S0B|@leads>,<@W0C> <#C0D|ops> <https://x.example/y|x.example/y> &lt;&amp;&gt;',
      ),
      'a/b --approvers U0A,S0B,W0C C0D https://x.example/y <&>',
    );
  });
});
