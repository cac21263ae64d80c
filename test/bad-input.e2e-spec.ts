// Given a control plane on a fresh database, every kind of bad input a careless or
// hostile client can send is answered with a 4xx `{ statusCode, error, message }` that
// names the problem (or a refused ack on the agent socket), nothing is written, and what
// the database still refuses becomes a logged 500 with a correlation id and no leak.
import net from 'node:net';
import { jest } from '@jest/globals';
import { io, type Socket } from 'socket.io-client';
import { DashboardGateway } from '../apps/control-plane/src/dashboard/dashboard.gateway.js';
import { PLAN_DOCUMENT_LIMITS } from '../libs/domain/src/index.js';
import { AGENTS_NAMESPACE, AgentEvent, CommandEvent, DASHBOARD_NAMESPACE, PROTOCOL_VERSION, SIGNALS_EVENT } from '../libs/protocol/src/index.js';
import { createUserWithToken, queryDatabase, rowCounts } from './support/api.js';
import { launchBrowser } from './support/browser.js';
import { startTestControlPlane, type TestControlPlane } from './support/control-plane.js';
import { planBody as plan, planYaml as yamlPlan } from '../bench/harness/plan-body.js';
import { createFleet, type Fleet } from './support/fleet-fixtures.js';

const NUL_OR_SURROGATE = /NUL character|unpaired UTF-16 surrogate/;
const TOKEN_ID = '00000000-0000-4000-8000-000000000000';

/** Sends raw bytes and returns everything the server answers before it closes. */
function rawRequest(cp: TestControlPlane, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(new URL(cp.url).port), '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

function parseRaw(answer: string): { status: number; headers: string; body: unknown } {
  const [head, body] = answer.split('\r\n\r\n', 2) as [string, string];
  return { status: Number(head.split(' ')[1]), headers: head, body: body ? JSON.parse(body) : undefined };
}

describe('bad input', () => {
  let cp: TestControlPlane;
  let fleet: Fleet;
  let admin: string;
  let engineer: string;
  let qa: string;
  const sockets: Socket[] = [];
  const WRITTEN = ['plans', 'services', 'service_configs', 'users', 'api_tokens', 'agent_tokens', 'datacenters', 'freezes', 'audit_log'];

  beforeAll(async () => {
    cp = await startTestControlPlane();
    admin = `Bearer ${cp.adminToken}`;
    engineer = `Bearer ${await createUserWithToken(cp, 'erin', ['engineer'])}`;
    qa = `Bearer ${await createUserWithToken(cp, 'quinn', ['qa'])}`;
    fleet = await createFleet(cp, {
      datacenters: ['tc'],
      services: [{ name: 'web', role: 'frontend', configs: 1 }],
      hosts: [
        { hostname: 'tc-1', datacenter: 'tc' },
        { hostname: 'tc-preview', datacenter: 'tc', pool: 'preview' },
      ],
    });
  });
  afterAll(async () => {
    sockets.forEach((socket) => socket.disconnect());
    fleet?.close();
    await cp?.close();
  });

  describe('strings PostgreSQL cannot store', () => {
    const nul = 'a\u0000b';
    const surrogate = 'a\ud800b';
    // Each request reached the database with its bad string and came back as a 500.
    const requests: [string, () => ReturnType<ReturnType<TestControlPlane['http']>['get']>][] = [
      ['GET /hosts/:name (path)', () => cp.http().get('/api/v1/hosts/a%00b').set('Authorization', admin)],
      ['PUT /hosts/:name (path)', () => cp.http().put('/api/v1/hosts/a%00b').set('Authorization', admin).send({ pool: 'preview' })],
      ['GET /services/:name (path)', () => cp.http().get('/api/v1/services/a%00b').set('Authorization', admin)],
      ['PUT /services/:name (path)', () => cp
          .http()
          .put('/api/v1/services/a%00b')
          .set('Authorization', admin)
          .send({ role: 'frontend', imageRepository: 'registry.example/web', container: { ports: [{ container: 8080 }], healthCheck: { type: 'http', path: '/', port: 8080, timeoutMs: 1000, intervalMs: 2000 } } })],
      ['POST /services/:name/configs (body)', () => cp.http().post('/api/v1/services/web/configs').set('Authorization', admin).send({ files: { 'app.conf': nul } })],
      ['GET /services/:name/configs/:version (path)', () => cp.http().get('/api/v1/services/a%00b/configs/1').set('Authorization', admin)],
      ['GET /services/:name/switches (path)', () => cp.http().get('/api/v1/services/a%00b/switches').set('Authorization', admin)],
      ['PUT /services/:name/switches/:switch (path)', () => cp.http().put('/api/v1/services/a%00b/switches/on').set('Authorization', admin).send({ enabled: true })],
      ['GET /services/:service/traffic (path)', () => cp.http().get('/api/v1/services/a%00b/traffic').set('Authorization', admin)],
      ['PUT /services/:service/traffic/:datacenter (path)', () => cp.http().put('/api/v1/services/a%00b/traffic/tc').set('Authorization', admin).send({ serving: false, reason: 'maintenance' })],
      ['PUT /users/:name (path)', () => cp.http().put('/api/v1/users/a%00b').set('Authorization', admin).send({ roles: [] })],
      ['POST /users/:name/tokens (path)', () => cp.http().post('/api/v1/users/a%00b/tokens').set('Authorization', admin).send({ name: 'ci' })],
      ['POST /users/:name/tokens (body)', () => cp.http().post('/api/v1/users/erin/tokens').set('Authorization', admin).send({ name: surrogate })],
      ['DELETE /users/:name/tokens/:id (path)', () => cp.http().delete(`/api/v1/users/a%00b/tokens/${TOKEN_ID}`).set('Authorization', admin)],
      ['GET /plans?author (query)', () => cp.http().get('/api/v1/plans?author=a%00b').set('Authorization', admin)],
      ['GET /plans?service (query)', () => cp.http().get('/api/v1/plans?service=a%00b').set('Authorization', admin)],
      ['GET /audit?actor (query)', () => cp.http().get('/api/v1/audit?actor=a%00b').set('Authorization', admin)],
      ['POST /agent-tokens (body)', () => cp.http().post('/api/v1/agent-tokens').set('Authorization', admin).send({ name: nul })],
      ['POST /datacenters (body)', () => cp.http().post('/api/v1/datacenters').set('Authorization', admin).send({ name: 'zz', rolloutOrder: 9, description: surrogate })],
      ['POST /freezes (body)', () => cp.http().post('/api/v1/freezes').set('Authorization', admin).send({ startsAt: '2027-01-01T00:00:00Z', endsAt: '2027-01-02T00:00:00Z', reason: nul })],
      ['POST /plans (JSON body)', () => cp.http().post('/api/v1/plans').set('Authorization', engineer).send(plan({ description: surrogate }))],
      ['POST /plans (designLink)', () => cp.http().post('/api/v1/plans').set('Authorization', engineer).send(plan({ designLink: 'https://wiki.example.com/a\u0000b' }))],
    ];

    it.each(requests)('%s: 400 VALIDATION_FAILED naming the field, nothing written', async (_route, send) => {
      const before = await rowCounts(cp, WRITTEN);
      const response = await send();
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'VALIDATION_FAILED', message: expect.stringMatching(NUL_OR_SURROGATE) });
      expect(await rowCounts(cp, WRITTEN)).toEqual(before);
    });

    it('a lone surrogate sent as a JSON escape is refused the same way', async () => {
      const response = await cp.http().post('/api/v1/agent-tokens').set('Authorization', admin).set('Content-Type', 'application/json').send('{"name":"\\udc00x"}');
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: 'VALIDATION_FAILED', message: 'name: must not contain an unpaired UTF-16 surrogate (U+D800 to U+DFFF)' });
    });

    it('a well-formed pair (an emoji) is text like any other', async () => {
      const response = await cp.http().post('/api/v1/agent-tokens').set('Authorization', admin).send({ name: 'rack \ud83d\ude80' }).expect(201);
      expect(response.body.name).toBe('rack \ud83d\ude80');
    });
  });

  describe('the agent socket', () => {
    let socket: Socket;
    const hostname = 'bad-input-agent';

    beforeAll(async () => {
      const { token } = await cp.issueAgentToken(hostname);
      socket = io(`${cp.url}${AGENTS_NAMESPACE}`, { transports: ['websocket'], auth: { token, protocolVersion: PROTOCOL_VERSION, hostname }, reconnection: false });
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
    });

    const registration = (overrides: Record<string, unknown> = {}) => ({
      hostname,
      datacenter: 'tc',
      labels: {},
      agentVersion: 'test',
      engine: { name: 'test-engine', version: '1', apiVersion: '1.41', status: 'reachable' },
      containers: [],
      ...overrides,
    });
    const container = { id: 'c1', name: 'web-1', image: 'web:1', state: 'running' };

    it('host:register with a NUL in a label is refused as PAYLOAD_INVALID, not INTERNAL', async () => {
      const ack = await socket.emitWithAck(AgentEvent.Register, registration({ labels: { rack: 'r\u0000' } }));
      expect(ack).toMatchObject({ ok: false, code: 'PAYLOAD_INVALID', message: expect.stringMatching(NUL_OR_SURROGATE) });
    });

    it('host:register with 60,000 labels is refused as PAYLOAD_INVALID before they are parsed', async () => {
      const labels = Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, 'v']));
      const ack = await socket.emitWithAck(AgentEvent.Register, registration({ labels }));
      expect(ack).toMatchObject({ ok: false, code: 'PAYLOAD_INVALID', message: 'host:register: labels: at most 100 labels' });
    });

    it('host:heartbeat with a lone surrogate in a container name is refused as PAYLOAD_INVALID', async () => {
      expect(await socket.emitWithAck(AgentEvent.Register, registration())).toMatchObject({ ok: true });
      const ack = await socket.emitWithAck(AgentEvent.Heartbeat, { engine: { status: 'reachable' }, containers: [{ ...container, name: 'web\ud800' }] });
      expect(ack).toMatchObject({ ok: false, code: 'PAYLOAD_INVALID', message: expect.stringMatching(NUL_OR_SURROGATE) });
      expect(socket.connected).toBe(true);
    });

    it('command:failed with a NUL in its message is refused as PAYLOAD_INVALID', async () => {
      const ack = await socket.emitWithAck(CommandEvent.Failed, {
        key: `${TOKEN_ID}/preview/${hostname}/1`,
        seq: 1,
        reason: 'CHECK_FAILED',
        message: 'boom\u0000',
      });
      expect(ack).toMatchObject({ ok: false, code: 'PAYLOAD_INVALID', message: expect.stringMatching(NUL_OR_SURROGATE) });
    });

    it('host:signals with counters above 2^31-1 are stored, the whole batch', async () => {
      const sample = (i: number) => ({
        service: 'web',
        release: `r${i}`,
        image: 'web:1',
        healthy: true,
        healthFailures: 3_000_000_000,
        restarts: 2_147_483_648,
        cpuPercent: 1,
        memoryBytes: 1,
        statusCounts: { '200': 1 },
        latencyMsSum: 1,
        latencyCount: 1,
        errorLines: 0,
      });
      const ack = await socket.emitWithAck(SIGNALS_EVENT, { intervalMs: 1000, containers: Array.from({ length: 500 }, (_, i) => sample(i)) });
      expect(ack).toMatchObject({ ok: true });
      const rows = await queryDatabase<{ count: number; max: string }>(cp, 'SELECT count(*)::int AS count, max(health_failures)::text AS max FROM signal_samples WHERE hostname = $1', [hostname]);
      expect(rows).toEqual([{ count: 500, max: '3000000000' }]);
    });
  });

  describe('plan documents', () => {
    const submitYaml = (body: string) => cp.http().post('/api/v1/plans').set('Authorization', engineer).set('Content-Type', 'application/yaml').send(body);

    it('refuses a YAML plan with a key twice in one mapping, naming it', async () => {
      const response = await submitYaml(`${yamlPlan()}title: again\n`).expect(400);
      expect(response.body).toMatchObject({ error: 'VALIDATION_FAILED', issues: [{ path: 'title', message: 'YAML: duplicate key "title"' }] });
    });

    it('accepts the same key in different mappings', async () => {
      const body = yamlPlan().replace('preview: {"hosts":{"count":1}}', 'preview:\n  hosts: { count: 1 }\n  checks: [{ name: count, type: http, path: / }]');
      await submitYaml(body).expect(201);
    });

    it('refuses a YAML plan with more keys and items than the limit, naming the limit', async () => {
      const keys = Array.from({ length: PLAN_DOCUMENT_LIMITS.maxEntries }, (_, i) => `  k${i}: ${i}`).join('\n');
      const response = await submitYaml(yamlPlan(`extra:\n${keys}\n`)).expect(400);
      expect(response.body).toMatchObject({ error: 'VALIDATION_FAILED', message: expect.stringContaining(`more than the limit of ${PLAN_DOCUMENT_LIMITS.maxEntries} keys and items`) });
      const items = await submitYaml(yamlPlan().replace('modules: ["checkout-web"]', `modules: [${Array.from({ length: PLAN_DOCUMENT_LIMITS.maxEntries }, () => 'm').join(', ')}]`)).expect(400);
      expect(items.body.message).toContain(`more than the limit of ${PLAN_DOCUMENT_LIMITS.maxEntries} keys and items`);
    });

    it('refuses a YAML plan nested deeper than the limit, naming the limit', async () => {
      const deep = `extra: ${'['.repeat(PLAN_DOCUMENT_LIMITS.maxDepth + 1)}${']'.repeat(PLAN_DOCUMENT_LIMITS.maxDepth + 1)}\n`;
      const response = await submitYaml(yamlPlan(deep)).expect(400);
      expect(response.body).toMatchObject({ error: 'VALIDATION_FAILED', message: expect.stringContaining(`nested deeper than the limit of ${PLAN_DOCUMENT_LIMITS.maxDepth} levels`) });
    });

    it('refuses any JSON body with more keys and items than the limit, or nested deeper, before parsing it', async () => {
      const extra = Object.fromEntries(Array.from({ length: PLAN_DOCUMENT_LIMITS.maxEntries }, (_, i) => [`k${i}`, i]));
      const keys = await cp.http().post('/api/v1/plans').set('Authorization', engineer).send(plan({ extra })).expect(400);
      const tooMany = { statusCode: 400, error: 'JSON_TOO_COMPLEX', message: `the JSON body holds more than the limit of ${PLAN_DOCUMENT_LIMITS.maxEntries} keys and items` };
      expect(keys.body).toEqual(tooMany);
      const modules = Array.from({ length: 100_000 }, () => 'm');
      expect((await cp.http().post('/api/v1/plans').set('Authorization', engineer).send(plan({ modules })).expect(400)).body).toEqual(tooMany);
      const files = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`f${i}.conf`, 'x']));
      expect((await cp.http().post('/api/v1/services/web/configs').set('Authorization', admin).send({ files }).expect(400)).body).toEqual(tooMany);

      const body = `{"name":${'['.repeat(33)}${']'.repeat(33)}}`;
      const deep = await cp.http().post('/api/v1/agent-tokens').set('Authorization', admin).set('Content-Type', 'application/json').send(body).expect(400);
      expect(deep.body).toEqual({ statusCode: 400, error: 'JSON_TOO_COMPLEX', message: 'the JSON body nests deeper than the limit of 32 levels' });
      // Brackets and commas inside strings are text, not structure.
      await cp.http().post('/api/v1/agent-tokens').set('Authorization', admin).send({ name: `${'['.repeat(100)}${','.repeat(100)}` }).expect(201);
    });

    it('a YAML plan at the body limit being parsed does not hold other requests', async () => {
      // About 1 MB of sequence items: seconds of work for the yaml parser, with or without
      // duplicate-key checks. The duplicate key makes the refusal follow the parse at once,
      // with no database work between them that would let the page in either way.
      const items = Array.from({ length: 320_000 }, () => '0').join(', ');
      const order: string[] = [];
      const big = submitYaml(yamlPlan(`extra: [${items}]\ntitle: again\n`)).then((response) => order.push(`plan ${response.status}`));
      // Long enough for the body to be read and the parse to have begun; it takes far longer.
      await new Promise((resolve) => setTimeout(resolve, 700));
      await cp.http().get('/').then((response) => order.push(`page ${response.status}`));
      await big;
      expect(order).toEqual(['page 200', 'plan 400']);
    });
  });

  describe('errors the HTTP layer answers', () => {
    it('431: headers too large, with a JSON body', async () => {
      const answer = parseRaw(await rawRequest(cp, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
      expect(answer).toMatchObject({ status: 431, body: { statusCode: 431, error: 'HEADERS_TOO_LARGE', message: expect.any(String) } });
      expect(answer.headers).toMatch(/Content-Type: application\/json/);
    });

    it('400: a control character in the request line, with a JSON body', async () => {
      const answer = parseRaw(await rawRequest(cp, 'GET /\u0001 HTTP/1.1\r\nHost: x\r\n\r\n'));
      expect(answer).toMatchObject({ status: 400, body: { statusCode: 400, error: 'MALFORMED_REQUEST', message: expect.stringMatching(/not valid HTTP/) } });
    });

    it('400 INVALID_JSON for a body that is not JSON', async () => {
      const response = await cp.http().post('/api/v1/agent-tokens').set('Authorization', admin).set('Content-Type', 'application/json').send('{"name":').expect(400);
      expect(response.body).toEqual({ statusCode: 400, error: 'INVALID_JSON', message: expect.stringMatching(/^the body is not valid JSON: /) });
    });

    it('413 PAYLOAD_TOO_LARGE for a body over 1 MB', async () => {
      const response = await cp.http().post('/api/v1/agent-tokens').set('Authorization', admin).send({ name: 'x'.repeat(1_100_000) }).expect(413);
      expect(response.body).toEqual({ statusCode: 413, error: 'PAYLOAD_TOO_LARGE', message: 'the body is too large: the limit is 1048576 bytes' });
    });

    it('415 UNSUPPORTED_MEDIA_TYPE for a body type no route reads, and for a charset other than UTF-8', async () => {
      const form = await cp.http().post('/api/v1/agent-tokens').set('Authorization', admin).set('Content-Type', 'application/x-www-form-urlencoded').send('name=x').expect(415);
      expect(form.body).toEqual({ statusCode: 415, error: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('application/x-www-form-urlencoded') });
      const charset = await cp.http().post('/api/v1/agent-tokens').set('Authorization', admin).set('Content-Type', 'application/json; charset=latin-9').send('{"name":"x"}').expect(415);
      expect(charset.body).toMatchObject({ statusCode: 415, error: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('LATIN-9') });
    });

    it('405 with an Allow header for a method the path does not take; 404 with a code for a path that does not exist', async () => {
      const response = await cp.http().delete('/api/v1/hosts').set('Authorization', admin).expect(405);
      expect(response.headers.allow).toBe('GET, HEAD');
      expect(response.body).toEqual({ statusCode: 405, error: 'METHOD_NOT_ALLOWED', message: 'DELETE is not allowed on /api/v1/hosts: use GET, HEAD' });
      const plan = await cp.http().patch(`/api/v1/plans/${TOKEN_ID}`).set('Authorization', admin).send({}).expect(405);
      expect(plan.headers.allow).toBe('GET, HEAD, PUT');
      const options = await cp.http().options('/api/v1/hosts').expect(204);
      expect(options.headers.allow).toBe('GET, HEAD');
      const missing = await cp.http().get('/api/v1/nothing-here').set('Authorization', admin).expect(404);
      expect(missing.body).toEqual({ statusCode: 404, error: 'ROUTE_NOT_FOUND', message: 'no route GET /api/v1/nothing-here' });
    });

    it('400 INVALID_PATH for a path parameter that is not UTF-8', async () => {
      const response = await cp.http().get('/api/v1/hosts/%ff').set('Authorization', admin).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'INVALID_PATH' });
    });

    it('keeps a machine code on the guard and handler errors too', async () => {
      expect((await cp.http().get('/api/v1/hosts').expect(401)).body).toMatchObject({ statusCode: 401, error: 'UNAUTHORIZED', message: expect.stringMatching(/bearer token/) });
      expect((await cp.http().get('/api/v1/users').set('Authorization', qa).expect(403)).body).toMatchObject({ statusCode: 403, error: 'FORBIDDEN' });
    });
  });

  describe('headers', () => {
    it('API responses: nosniff, a Referrer-Policy, no X-Powered-By', async () => {
      const response = await cp.http().get('/api/v1/hosts').set('Authorization', admin).expect(200);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['x-powered-by']).toBeUndefined();
    });

    it('/docs has a CSP that its own assets satisfy', async () => {
      const page = await cp.http().get('/docs').expect(200);
      const csp = page.headers['content-security-policy'] as string;
      expect(csp).toMatch(/default-src 'self'/);
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).not.toMatch(/upgrade-insecure-requests/);
      // Every script and stylesheet the page loads is served from here, and none inline.
      const html = page.text;
      expect(html).not.toMatch(/<script>(?!\s*<\/script>)/);
      const assets = [...html.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((match) => new URL(match[1]!, `${cp.url}/docs`).pathname);
      expect(assets.length).toBeGreaterThanOrEqual(3);
      for (const asset of assets) expect([asset, (await cp.http().get(asset)).status]).toEqual([asset, 200]);
    });

    it('Swagger UI renders in Chromium under that CSP, with no violation reported', async () => {
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
        page.on('pageerror', (error) => errors.push(error.message));
        await page.goto(`${cp.url}/docs`);
        await page.locator('.swagger-ui .info .title', { hasText: 'Tarmac control plane' }).waitFor({ timeout: 15_000 });
        await page.locator('.opblock-tag', { hasText: 'plans' }).first().waitFor({ timeout: 5_000 });
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  });

  describe('roles and transports', () => {
    it('rollout-preview needs the role of one who writes or starts plans', async () => {
      const refused = await cp.http().post(`/api/v1/plans/${TOKEN_ID}/rollout-preview`).set('Authorization', qa).expect(403);
      expect(refused.body).toMatchObject({ error: 'FORBIDDEN', message: expect.stringMatching(/engineer or operator or dispatcher/) });
      await cp.http().post(`/api/v1/plans/${TOKEN_ID}/rollout-preview`).set('Authorization', engineer).expect(404);
    });

    it('/dashboard accepts every transport it declares, and only those', async () => {
      const declared: string[] = Reflect.getMetadata('websockets:gateway_options', DashboardGateway).transports;
      const attempt = (transport: string) =>
        new Promise<boolean>((resolve) => {
          const socket = io(`${cp.url}${DASHBOARD_NAMESPACE}`, { transports: [transport], auth: { token: cp.adminToken }, reconnection: false, timeout: 5_000 });
          sockets.push(socket);
          socket.once('connect', () => resolve(true));
          socket.once('connect_error', () => resolve(false));
        });
      for (const transport of ['websocket', 'polling']) expect([transport, await attempt(transport)]).toEqual([transport, declared.includes(transport)]);
    });
  });

  describe('what the database still refuses', () => {
    it('is a logged 500 INTERNAL with a correlation id, never the database message', async () => {
      const logged: string[] = [];
      const capture = (chunk: unknown) => (logged.push(String(chunk)), true);
      const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
      const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
      await queryDatabase(cp, 'ALTER TABLE datacenters RENAME TO datacenters_elsewhere');
      try {
        const response = await cp.http().get('/api/v1/datacenters').set('Authorization', admin).expect(500);
        expect(response.body).toEqual({ statusCode: 500, error: 'INTERNAL', message: expect.stringContaining(response.body.correlationId), correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
        expect(JSON.stringify(response.body)).not.toMatch(/relation "|datacenters|SELECT /);
        expect(logged.join('')).toMatch(new RegExp(`correlationId=${response.body.correlationId}.*relation "datacenters" does not exist`));
      } finally {
        stdout.mockRestore();
        stderr.mockRestore();
        await queryDatabase(cp, 'ALTER TABLE datacenters_elsewhere RENAME TO datacenters');
      }
    });
  });
});
