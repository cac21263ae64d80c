// TLS end to end, with a CA made at test time (test/support/tls.ts): the control plane
// serves HTTPS and WSS on its one port; real agents verify it with --ca and, when it
// requires mutual TLS, present a certificate signed by its client CA and naming their
// host; the CLI trusts the CA through NODE_EXTRA_CA_CERTS. And the /dashboard namespace
// lets in browser pages from its own origin and the configured ones only.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { get, request } from 'node:https';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { AGENTS_NAMESPACE, DASHBOARD_NAMESPACE, PROTOCOL_VERSION } from '../libs/protocol/src/index.js';
import { startAgent } from './support/agents.js';
import { startTestControlPlane, type TestControlPlane } from './support/control-plane.js';
import { killAll, spawnProcess } from './support/processes.js';
import { createTestDatabase } from './support/database.js';
import { makeTestCa, type CertificateFiles, type TestCa } from './support/tls.js';
import { waitFor } from './support/wait.js';

const CLI = fileURLToPath(new URL('../dist/apps/cli/src/main.js', import.meta.url));
const MAIN = fileURLToPath(new URL('../dist/apps/control-plane/src/main.js', import.meta.url));
const HOST = `tls-${process.pid}`;

/** GET over https with Node's own client: the status, or the TLS error's code. */
function httpsGet(url: string, options: { ca?: string; cert?: string; key?: string } = {}): Promise<{ status: number } | { error: string }> {
  return new Promise((resolve) => {
    const request = get(url, { ...options, agent: false }, (response) => {
      response.resume();
      resolve({ status: response.statusCode! });
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  });
}

type Outcome = { connected: true } | { connected: false; code?: string; message: string };

/** Opens one socket.io connection and closes it again: did the namespace let it in? */
function tryConnect(url: string, options: Parameters<typeof io>[1]): Promise<Outcome> {
  // forceNew: io() would otherwise share one connection (and its TLS options) between namespaces of an origin.
  const socket: Socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, ...options });
  return new Promise<Outcome>((resolve) => {
    socket.once('connect', () => resolve({ connected: true }));
    socket.once('connect_error', (error: Error & { data?: { code: string; message: string } }) =>
      resolve({ connected: false, code: error.data?.code, message: error.data?.message ?? error.message }),
    );
  }).finally(() => socket.disconnect());
}

describe('TLS', () => {
  let pki: TestCa;
  beforeAll(() => {
    pki = makeTestCa();
  });
  afterEach(() => killAll());

  // supertest cannot be given a CA: the test's own API calls go through node:https with it.
  const api = (cp: TestControlPlane, method: string, path: string, body?: unknown) =>
    new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const headers = { Authorization: `Bearer ${cp.adminToken}`, 'Content-Type': 'application/json' };
      const sent = request(`${cp.url}${path}`, { method, ca: pki.caPem, headers }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, body: text ? JSON.parse(text) : undefined }));
      });
      sent.on('error', reject);
      sent.end(body === undefined ? undefined : JSON.stringify(body));
    });
  const hostState = async (cp: TestControlPlane, hostname: string) =>
    (await api(cp, 'GET', `/api/v1/hosts/${hostname}`)).body as { status?: string; connected?: boolean };
  const issueAgentToken = async (cp: TestControlPlane, name: string) => {
    const issued = await api(cp, 'POST', '/api/v1/agent-tokens', { name });
    expect(issued.status).toBe(201);
    return (issued.body as { token: string }).token;
  };
  const waitOnline = (cp: TestControlPlane, hostname: string) =>
    waitFor(async () => (await hostState(cp, hostname)).status === 'online', { description: `${hostname} online`, timeoutMs: 20_000 });

  describe('HTTPS and WSS on one port', () => {
    let cp: TestControlPlane;
    let server: CertificateFiles;
    beforeAll(async () => {
      server = pki.serverCertificate();
      cp = await startTestControlPlane({ TARMAC_TLS_CERT: server.cert, TARMAC_TLS_KEY: server.key });
    });
    afterAll(() => cp?.close());

    it('as a process: exits 2 naming the variable when the key is not the certificate\'s, and prints its https URL', async () => {
      const other = pki.serverCertificate();
      const refused = spawnProcess(process.execPath, [MAIN], { env: { TARMAC_TLS_CERT: server.cert, TARMAC_TLS_KEY: other.key } });
      expect((await refused.exited).code).toBe(2);
      expect(refused.stderr).toContain(`TARMAC_TLS_KEY: ${other.key} is not the private key of the certificate in ${server.cert}`);

      const database = await createTestDatabase();
      try {
        const plane = spawnProcess(process.execPath, [MAIN], {
          env: { TARMAC_TLS_CERT: server.cert, TARMAC_TLS_KEY: server.key, TARMAC_PORT: '0', TARMAC_HOST: '127.0.0.1', DATABASE_URL: database.url, TARMAC_ADMIN_TOKEN: 'a'.repeat(32) },
        });
        const [, url] = await plane.waitForOutput(/listening on (\S+)/, 30_000);
        expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        expect(await httpsGet(`${url}/healthz`, { ca: pki.caPem })).toEqual({ status: 200 });
        await plane.kill();
      } finally {
        await database.drop();
      }
    });

    it('serves the API over https: with the CA a client gets its answer, without it verification fails', async () => {
      expect(cp.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(await httpsGet(`${cp.url}/healthz`, { ca: pki.caPem })).toEqual({ status: 200 });
      expect(await httpsGet(`${cp.url}/healthz`)).toEqual({ error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
      expect(await httpsGet(`${cp.url}/healthz`, { ca: makeTestCa('Another CA').caPem })).toEqual({ error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    });

    it('lets a real agent with --ca connect over wss and register', async () => {
      const token = await issueAgentToken(cp, 'wss');
      startAgent({ server: cp.url, token, hostname: `${HOST}-wss`, datacenter: 'tc', extraArgs: ['--ca', pki.ca] });
      await waitOnline(cp, `${HOST}-wss`);
      expect(await hostState(cp, `${HOST}-wss`)).toMatchObject({ status: 'online', connected: true });
    });

    it('lets an agent that pins the server\'s certificate in, and leaves one pinning another certificate out, saying why', async () => {
      const fingerprint = new X509Certificate(readFileSync(server.cert)).fingerprint256;
      const pinned = await issueAgentToken(cp, 'pinned');
      startAgent({ server: cp.url, token: pinned, hostname: `${HOST}-pinned`, datacenter: 'tc', extraArgs: ['--ca', pki.ca, '--server-fingerprint', fingerprint] });
      await waitOnline(cp, `${HOST}-pinned`);

      // Signed by the same trusted CA, for the same names: the chain checks out, the pin does not.
      const other = new X509Certificate(readFileSync(pki.serverCertificate().cert)).fingerprint256;
      const token = await issueAgentToken(cp, 'mispinned');
      const agent = startAgent({ server: cp.url, token, hostname: `${HOST}-mispinned`, datacenter: 'tc', extraArgs: ['--ca', pki.ca, '--server-fingerprint', other] });
      await agent.waitForOutput(/control plane unreachable.*not the pinned/, 20_000);
      expect((await hostState(cp, `${HOST}-mispinned`)).status).not.toBe('online');
    });

    it('leaves an agent that does not trust the server unconnected, saying why', async () => {
      const token = await issueAgentToken(cp, 'untrusting');
      const agent = startAgent({ server: cp.url, token, hostname: `${HOST}-untrusting`, datacenter: 'tc' });
      await agent.waitForOutput(/control plane unreachable.*websocket error: unable to verify the first certificate: UNABLE_TO_VERIFY_LEAF_SIGNATURE/, 20_000);
      expect((await hostState(cp, `${HOST}-untrusting`)).status).not.toBe('online');
    });

    it('lets the CLI in when it trusts the CA through NODE_EXTRA_CA_CERTS, and not otherwise', async () => {
      const run = async (env: Record<string, string | undefined>, server = cp.url) => {
        const cli = spawnProcess(process.execPath, [CLI, 'hosts', '--server', server, '--token', cp.adminToken], {
          env: { TARMAC_CONFIG: '/nonexistent/tarmac.json', TARMAC_SERVER: undefined, TARMAC_TOKEN: undefined, NO_COLOR: '1', ...env },
        });
        const { code } = await cli.exited;
        return { code, stderr: cli.stderr };
      };
      expect(await run({ NODE_EXTRA_CA_CERTS: pki.ca })).toEqual({ code: 0, stderr: '' });
      const untrusting = await run({ NODE_EXTRA_CA_CERTS: undefined });
      expect(untrusting.code).toBe(1);
      expect(untrusting.stderr).toMatch(/cannot reach https:\/\/127\.0\.0\.1:\d+: UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
      // Plain http to another machine would send the token in clear: refused before any request.
      expect(await run({}, 'http://192.0.2.1:8080')).toEqual({
        code: 2,
        stderr: expect.stringMatching(/--server: http:\/\/192\.0\.2\.1:8080 is plain http .*--insecure/),
      });
    });
  });

  describe('mutual TLS for agents (TARMAC_TLS_CLIENT_CA)', () => {
    let cp: TestControlPlane;
    beforeAll(async () => {
      const server = pki.serverCertificate();
      cp = await startTestControlPlane({ TARMAC_TLS_CERT: server.cert, TARMAC_TLS_KEY: server.key, TARMAC_TLS_CLIENT_CA: pki.ca });
    });
    afterAll(() => cp?.close());

    it('refuses a real agent without a client certificate: it exits 3 with CLIENT_CERTIFICATE_REQUIRED', async () => {
      const token = await issueAgentToken(cp, 'no-cert');
      const agent = startAgent({ server: cp.url, token, hostname: `${HOST}-no-cert`, datacenter: 'tc', extraArgs: ['--ca', pki.ca] });
      expect((await agent.exited).code).toBe(3);
      expect(agent.stderr).toMatch(/refused by control plane: CLIENT_CERTIFICATE_REQUIRED: .*--cert and --key/);
    });

    it('registers a real agent whose certificate is signed by the client CA and names its host', async () => {
      const token = await issueAgentToken(cp, 'with-cert');
      const { cert, key } = pki.clientCertificate(`${HOST}-mtls`);
      startAgent({ server: cp.url, token, hostname: `${HOST}-mtls`, datacenter: 'tc', extraArgs: ['--ca', pki.ca, '--cert', cert, '--key', key] });
      await waitOnline(cp, `${HOST}-mtls`);
    });

    it('refuses a certificate from another CA, and one issued to another host', async () => {
      const auth = { token: 'tmc_agent_not_checked_first', protocolVersion: PROTOCOL_VERSION, hostname: `${HOST}-x` };
      const pem = (files: { cert: string; key: string }) => ({ cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') });
      const foreign = pem(makeTestCa('Foreign CA').clientCertificate(`${HOST}-x`));
      expect(await tryConnect(`${cp.url}${AGENTS_NAMESPACE}`, { auth, ca: pki.caPem, ...foreign })).toEqual({
        connected: false,
        code: 'CLIENT_CERTIFICATE_INVALID',
        message: expect.stringMatching(/UNABLE_TO_VERIFY_LEAF_SIGNATURE/),
      });
      const otherHost = pki.clientCertificate(`${HOST}-y`);
      expect(await tryConnect(`${cp.url}${AGENTS_NAMESPACE}`, { auth, ca: pki.caPem, ...pem(otherHost) })).toEqual({
        connected: false,
        code: 'CLIENT_CERTIFICATE_HOSTNAME_MISMATCH',
        message: expect.stringContaining(`"${HOST}-x"`),
      });
      const token = await issueAgentToken(cp, 'stolen');
      const agent = startAgent({
        server: cp.url, token, hostname: `${HOST}-x`, datacenter: 'tc', extraArgs: ['--ca', pki.ca, '--cert', otherHost.cert, '--key', otherHost.key],
      });
      expect((await agent.exited).code).toBe(3);
      expect(agent.stderr).toMatch(/CLIENT_CERTIFICATE_HOSTNAME_MISMATCH/);
    });

    it('still serves browsers, the CLI and dashboards on the same port without a certificate', async () => {
      expect(await httpsGet(`${cp.url}/healthz`, { ca: pki.caPem })).toEqual({ status: 200 });
      expect(await tryConnect(`${cp.url}${DASHBOARD_NAMESPACE}`, { auth: { token: cp.adminToken }, ca: pki.caPem })).toEqual({ connected: true });
    });
  });

  describe('the /dashboard Origin allow-list', () => {
    let cp: TestControlPlane;
    beforeAll(async () => {
      const server = pki.serverCertificate();
      cp = await startTestControlPlane({ TARMAC_TLS_CERT: server.cert, TARMAC_TLS_KEY: server.key, TARMAC_DASHBOARD_ORIGINS: 'https://ops.example.com' });
    });
    afterAll(() => cp?.close());
    const dashboard = (origin: string | undefined) =>
      tryConnect(`${cp.url}${DASHBOARD_NAMESPACE}`, { auth: { token: cp.adminToken }, ca: pki.caPem, extraHeaders: origin ? { Origin: origin } : {} });

    it('refuses a page from a foreign origin with ORIGIN_NOT_ALLOWED, before looking at its token', async () => {
      expect(await dashboard('https://evil.example')).toEqual({
        connected: false,
        code: 'ORIGIN_NOT_ALLOWED',
        message: 'origin "https://evil.example" may not open the dashboard feed; add it to TARMAC_DASHBOARD_ORIGINS',
      });
      // The same host over the other scheme is another origin.
      expect(await dashboard(cp.url.replace('https:', 'http:'))).toMatchObject({ code: 'ORIGIN_NOT_ALLOWED' });
    });

    it('lets in its own origin, a configured one, and a client that sends no Origin (it still needs its token)', async () => {
      expect(await dashboard(cp.url)).toEqual({ connected: true });
      expect(await dashboard('https://ops.example.com')).toEqual({ connected: true });
      expect(await dashboard(undefined)).toEqual({ connected: true });
      expect(await tryConnect(`${cp.url}${DASHBOARD_NAMESPACE}`, { auth: { token: 'forged' }, ca: pki.caPem })).toMatchObject({ code: 'API_TOKEN_INVALID' });
    });

    it('does not check Origin on /agents: agents are not browsers', async () => {
      const token = await issueAgentToken(cp, 'origin');
      const auth = { token, protocolVersion: PROTOCOL_VERSION, hostname: `${HOST}-origin` };
      expect(await tryConnect(`${cp.url}${AGENTS_NAMESPACE}`, { auth, ca: pki.caPem, extraHeaders: { Origin: 'https://evil.example' } })).toEqual({ connected: true });
    });
  });
});
