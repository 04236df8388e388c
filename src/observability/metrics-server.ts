import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * `GET /metrics`: the product's registry, followed by the Temporal SDK's own metrics,
 * fetched from the SDK's exporter on loopback (`sdkMetricsUrl`) so that one scrape target
 * per process has both. `GET /healthz`: 200 while `healthy()` holds, else 503.
 */
export async function startMetricsServer(options: {
  host: string;
  port: number;
  registry: Registry;
  sdkMetricsUrl?: string;
  healthy?: () => boolean;
}): Promise<MetricsServer> {
  const sdkMetrics = async (): Promise<string> => {
    if (!options.sdkMetricsUrl) return '';
    try {
      const response = await fetch(options.sdkMetricsUrl, { signal: AbortSignal.timeout(2000) });
      return response.ok ? await response.text() : `# Temporal SDK metrics: HTTP ${response.status}\n`;
    } catch (err) {
      return `# Temporal SDK metrics unavailable: ${(err as Error).message}\n`;
    }
  };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://metrics').pathname;
    if (req.method === 'GET' && path === '/metrics') {
      Promise.all([options.registry.metrics(), sdkMetrics()])
        .then(([own, sdk]) => {
          res.writeHead(200, { 'content-type': options.registry.contentType });
          res.end(sdk ? `${own}\n${sdk}` : own);
        })
        .catch((err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        });
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      const ok = options.healthy?.() ?? true;
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ok ? 'ok' : 'unavailable');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
