// The load balancer's view of this host: GET /lb/<service> answers 200 `serving` or
// 503 `drained`. A load balancer health-checks this endpoint per service and backend.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TrafficState } from './traffic-state.js';

export interface LbServer {
  port: number;
  close(): Promise<void>;
}

export async function startLbServer(traffic: Pick<TrafficState, 'status'>, host: string, port: number): Promise<LbServer> {
  const server: Server = createServer((request, response) => {
    const match = /^\/lb\/([a-z0-9-]{1,63})$/.exec(request.url ?? '');
    if (!match || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const status = traffic.status(match[1]);
    response
      .writeHead(status === 'serving' ? 200 : 503, { 'content-type': 'text/plain', 'cache-control': 'no-store' })
      .end(`${status}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
