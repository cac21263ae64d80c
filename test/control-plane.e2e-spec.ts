// The control plane's HTTP surface on real PostgreSQL: authentication, agent tokens,
// health, metrics (checked by Prometheus's own promtool) and the OpenAPI document.
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { hashToken } from '../apps/control-plane/src/common/tokens.js';
import { startControlPlane } from '../apps/control-plane/src/app.js';
import { MIGRATIONS } from '../apps/control-plane/src/database/migrations/index.js';
import { startTestControlPlane, type TestControlPlane } from './support/control-plane.js';

describe('control plane HTTP surface', () => {
  let cp: TestControlPlane;
  const operatorToken = 'tmc_api_operator_token_for_tests_0123456789';

  beforeAll(async () => {
    cp = await startTestControlPlane();
    const db = new pg.Client({ connectionString: cp.database.url });
    await db.connect();
    const [user] = (await db.query(`INSERT INTO users (name, roles) VALUES ('olga', '{operator}') RETURNING id`)).rows;
    await db.query(`INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, 'cli', $2)`, [user.id, hashToken(operatorToken)]);
    await db.end();
  });
  afterAll(() => cp?.close());

  const admin = (request: ReturnType<ReturnType<TestControlPlane['http']>['get']>) =>
    request.set('Authorization', `Bearer ${cp.adminToken}`);

  it('answers liveness and readiness without a token', async () => {
    await cp.http().get('/healthz').expect(200, { status: 'ok' });
    await cp.http().get('/readyz').expect(200, { status: 'ready' });
  });

  it('tells a missing or unknown token (401) from a missing role (403)', async () => {
    const missing = await cp.http().get('/api/v1/hosts').expect(401);
    expect(missing.body.message).toMatch(/missing bearer token/);
    const unknown = await cp.http().get('/api/v1/hosts').set('Authorization', 'Bearer tmc_api_nope').expect(401);
    expect(unknown.body.message).toMatch(/not valid/);
    await cp.http().get('/api/v1/hosts').set('Authorization', `Bearer ${operatorToken}`).expect(200);
    const forbidden = await cp.http().post('/api/v1/agent-tokens').set('Authorization', `Bearer ${operatorToken}`).send({ name: 'x' }).expect(403);
    expect(forbidden.body.message).toMatch(/needs the role admin; olga has operator/);
  });

  it('shows an agent token once and stores only its hash', async () => {
    const issued = await cp.issueAgentToken('edge-17');
    expect(issued.token).toMatch(/^tmc_agent_[A-Za-z0-9_-]{43}$/);
    const listed = await admin(cp.http().get('/api/v1/agent-tokens')).expect(200);
    expect(listed.body).toEqual([expect.objectContaining({ id: issued.id, name: 'edge-17', hostname: null, revokedAt: null })]);
    expect(JSON.stringify(listed.body)).not.toContain(issued.token);
    const db = new pg.Client({ connectionString: cp.database.url });
    await db.connect();
    const { rows } = await db.query('SELECT token_hash FROM agent_tokens');
    await db.end();
    expect(rows).toEqual([{ token_hash: hashToken(issued.token) }]);
  });

  it('refuses bad agent-token requests with a message naming the problem', async () => {
    const unknownField = await admin(cp.http().post('/api/v1/agent-tokens')).send({ name: 'a', extra: 1 }).expect(400);
    expect(unknownField.body.message).toMatch(/extra/);
    const noName = await admin(cp.http().post('/api/v1/agent-tokens')).send({}).expect(400);
    expect(noName.body.issues).toEqual([expect.objectContaining({ path: 'name' })]);
    await admin(cp.http().delete('/api/v1/agent-tokens/not-a-uuid')).expect(400);
    const gone = await admin(cp.http().delete('/api/v1/agent-tokens/8a6e0f5e-3c1b-4c43-9d7b-2f1e0c9a7b11')).expect(404);
    expect(gone.body).toMatchObject({ error: 'AGENT_TOKEN_NOT_FOUND' });
    const tooBig = await admin(cp.http().post('/api/v1/agent-tokens')).send({ name: 'x'.repeat(1_100_000) }).expect(413);
    expect(tooBig.body.message).toMatch(/too large/i);
  });

  it('filters hosts by status and datacenter, and refuses unknown filter values', async () => {
    await admin(cp.http().get('/api/v1/hosts?status=online&datacenter=tc')).expect(200, []);
    const bad = await admin(cp.http().get('/api/v1/hosts?status=sleeping')).expect(400);
    expect(bad.body.message).toMatch(/^status: /);
    await admin(cp.http().get('/api/v1/hosts/ghost')).expect(404);
  });

  it('serves Prometheus metrics that promtool accepts, to API tokens only', async () => {
    await cp.http().get('/metrics').expect(401);
    const scraped = await admin(cp.http().get('/metrics')).expect(200);
    expect(scraped.headers['content-type']).toMatch(/^text\/plain/);
    for (const name of ['tarmac_agents_connected', 'tarmac_agent_messages_total', 'tarmac_http_request_duration_seconds_bucket', 'tarmac_process_resident_memory_bytes']) {
      expect(scraped.text).toContain(name);
    }
    expect(scraped.text).toMatch(/tarmac_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/hosts",status="200"\} \d+/);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: scraped.text, encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    // promtool exits 1 when the text does not parse and 3 when it parses but has lint
    // remarks. The only remarks allowed are about prom-client's own default gauges.
    const remarks = check.stderr.trim().split('\n').filter(Boolean);
    expect(remarks.every((line) => /^tarmac_nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/.test(line))).toBe(true);
    expect(check.status).toBe(remarks.length ? 3 : 0);
  });

  it('documents the API as OpenAPI, with a browsable page', async () => {
    const doc = await cp.http().get('/docs-json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/hosts', '/api/v1/hosts/{name}', '/api/v1/agent-tokens', '/api/v1/agent-tokens/{id}']));
    expect(doc.body.paths['/api/v1/agent-tokens'].post.requestBody).toBeDefined();
    const page = await cp.http().get('/docs').expect(200);
    expect(page.text).toContain('swagger-ui');
  });

  it('runs migrations once: a restart on the same database applies none and keeps the admin token', async () => {
    // Every migration, in order, on a fresh database.
    expect(cp.plane.database.appliedMigrations).toEqual(MIGRATIONS.map((migration) => migration.name));
    expect(cp.plane.database.appliedMigrations[0]).toBe('Foundation1764200000000');
    const again = await startControlPlane({ ...cp.config, port: 0 });
    try {
      expect(again.database.appliedMigrations).toEqual([]);
      expect(again.admin).toEqual({ kind: 'from-environment', created: false });
    } finally {
      await again.close();
    }
  });
});
