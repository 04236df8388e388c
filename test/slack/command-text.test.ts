import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_COMMAND_TEXT, unescapeCommandText } from '../../slack/command-text.js';
import { growthRatio } from '../support/growth.js';

describe('unescapeCommandText', () => {
  test('what Slack escapes comes back as ids and text', () => {
    const cases: [string, string][] = [
      ['<@U0A|alice>', 'U0A'],
      ['<@W0A>', 'W0A'],
      ['<!subteam^S0B|@leads>', 'S0B'],
      ['<#C0D|ops> <#G0E>', 'C0D G0E'],
      ['<https://x.example/y?a=1&amp;b=2|x.example/y>', 'https://x.example/y?a=1&b=2'],
      ['<mailto:a@example.com|a@example.com>', 'mailto:a@example.com'],
      ['&lt;b&gt; &amp;amp;', '<b> &amp;'],
      // Not what Slack sends: left as typed.
      ['<@u0a> <#X1> <http:> <ftp://x> <@U>', '<@u0a> <#X1> <http:> <ftp://x> <@U>'],
      ['<http://a|<@U1> tail', 'http://a tail'],
      ['unclosed <@U0A|alice and <http://x', 'unclosed <@U0A|alice and <http://x'],
    ];
    for (const [text, expected] of cases) assert.equal(unescapeCommandText(text), expected, text);
  });

  test('linear time: pathological text four times longer costs about four times as much, not sixteen', () => {
    const ratio = growthRatio(unescapeCommandText, (n) => [
      '<http:'.repeat(n / 6),
      `${'<http:a|'.repeat(n / 8)}>`,
      `${'<@U1|'.repeat(n / 5)}>`,
      `${'<@U1'.repeat(n / 4)}>`,
      `${'<'.repeat(n)}>`,
      `${'<#C'.repeat(n / 3)}>`,
    ]);
    assert.ok(ratio < 8, `40k/10k cost ratio ${ratio.toFixed(1)} (quadratic: about 16)`);
  });

  test('the command is capped well below anything slow', () => {
    assert.equal(MAX_COMMAND_TEXT, 4000);
  });
});
