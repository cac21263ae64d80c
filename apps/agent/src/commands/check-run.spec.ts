// check:run against a real HTTP server on loopback.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CheckRun } from '../../../../libs/protocol/src/index.js';
import { freePort } from '../testing/test-commands.js';
import { runCheck } from './check-run.js';

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/version') response.writeHead(200).end('release v2 ready');
    else response.writeHead(500).end('boom');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const check = (fields: Record<string, unknown>, defaultPort = port) =>
  runCheck(CheckRun.parse({ type: 'check:run', service: 'web', defaultPort, check: { name: 'version', type: 'http', path: '/version', ...fields } }), () => undefined);

describe('check:run', () => {
  it('passes on the expected status and body, on the default port', async () => {
    expect(await check({ bodyContains: 'v2' })).toEqual({ status: 200 });
  });

  it('probes the check port when it names one', async () => {
    expect(await check({ port }, 1)).toEqual({ status: 200 });
  });

  it.each([
    [{ path: '/other' }, 'check version: GET http://127.0.0.1:PORT/other: status 500, expected 200'],
    [{ bodyContains: 'v3' }, 'check version: GET http://127.0.0.1:PORT/version: body does not contain "v3"; it begins "release v2 ready"'],
  ])('fails with CHECK_FAILED naming what differed: %j', async (fields, message) => {
    await expect(check(fields)).rejects.toMatchObject({ reason: 'CHECK_FAILED', message: message.replace('PORT', String(port)) });
  });

  it('fails when nothing answers', async () => {
    await expect(check({ port: await freePort() })).rejects.toMatchObject({ reason: 'CHECK_FAILED', message: expect.stringMatching(/no answer: connect ECONNREFUSED/) });
  });
});
