import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { tcpListening, temporalReachable } from '../../src/runtime/stack.js';

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

/** A loopback port nobody listens on: one that was just free. */
async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('nothing on a loopback port: not reachable, without waiting out the gRPC connect timeout', async () => {
  const port = await freePort();
  const started = performance.now();
  assert.equal(await temporalReachable(loadConfig({ TEMPORAL_ADDRESS: `127.0.0.1:${port}` })), false);
  // The gRPC connect alone retries a refused port for its whole 1.5 s timeout.
  assert.ok(performance.now() - started < 1000, `took ${performance.now() - started} ms`);
});

test('a loopback port that accepts connections but is not Temporal: not reachable either', async (t) => {
  const server = createServer((socket) => socket.destroy());
  const port = await listen(server);
  t.after(() => server.close());
  assert.equal(await tcpListening('127.0.0.1', port, 1500), true);
  assert.equal(await temporalReachable(loadConfig({ TEMPORAL_ADDRESS: `127.0.0.1:${port}` })), false);
});

test('tcpListening: a refused port is false', async () => {
  assert.equal(await tcpListening('127.0.0.1', await freePort(), 1500), false);
});
