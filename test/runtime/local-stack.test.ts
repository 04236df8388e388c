import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainDevServerFailure } from '../../src/runtime/local-stack.js';

test('a failed dev-server download says how to get the binary, in one line', () => {
  // What the SDK reports where only the package registries are reachable (host elided).
  const sdkError = new Error(
    'Failed to start ephemeral server: failed to download ephemeral server executable: error sending request for url ' +
      '(https://example.invalid/cli/default?arch=amd64&platform=linux): client error (Connect): dns error',
  );
  const explained = explainDevServerFailure(sdkError);
  assert.doesNotMatch(explained.message, /\n/);
  assert.match(explained.message, /could not be downloaded/);
  assert.match(explained.message, /`npm start`/);
  assert.match(explained.message, /TEMPORAL_CLI_PATH .*`bash scripts\/provision-temporal\.sh`/);
  // The CLI reads "connect" as "Temporal is not running": this message must not say it.
  assert.doesNotMatch(explained.message, /connect|transport/i);
});

test('other dev-server failures pass through unchanged', () => {
  const missing = new Error(
    'Failed to start ephemeral server: ephemeral server executable does not exist: /x/temporal',
  );
  assert.equal(explainDevServerFailure(missing), missing);
  assert.equal(explainDevServerFailure('port in use').message, 'port in use');
});
