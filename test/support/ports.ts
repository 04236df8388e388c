import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The low end of the kernel's ephemeral port range (outgoing connections take ports from there). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return low > 12_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port that is free on 127.0.0.1 now, for a server that another process binds a little
 * later. Chosen below the ephemeral range, so no outgoing connection can take it meanwhile.
 */
export async function freePort(): Promise<number> {
  const high = ephemeralLow();
  for (let i = 0; i < 200; i++) {
    const port = 10_000 + Math.floor(Math.random() * (high - 10_000));
    if (await canBind(port)) return port;
  }
  throw new Error('no free port on 127.0.0.1 below the ephemeral range');
}
