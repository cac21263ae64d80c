// One HTTP GET to a service on this host, for health checks and a plan's checks. The agent
// runs in the host's network namespace, so 127.0.0.1 is the host's own loopback.
import { get } from 'node:http';

export type ProbeOutcome = { kind: 'answered'; status: number; body: string } | { kind: 'unanswered'; reason: string };

const BODY_LIMIT = 64 * 1024;

export function probeHttp(port: number, path: string, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < BODY_LIMIT) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('end', () => resolve({ kind: 'answered', status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', (error) => resolve({ kind: 'unanswered', reason: error.message }));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error) => resolve({ kind: 'unanswered', reason: error.message }));
  });
}

export function describeUrl(port: number, path: string): string {
  return `http://127.0.0.1:${port}${path}`;
}
