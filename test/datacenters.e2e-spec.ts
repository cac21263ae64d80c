// Given a control plane and a real agent reporting datacenter tc, an admin declares
// the datacenters tc and yf and an operator moves the host to yf's preview pool: the
// move survives the agent's next registration, a dashboard sees it as host:updated,
// the datacenter list counts it, and refused requests write nothing.
import type { HostView } from '../libs/protocol/src/index.js';
import { startAgent } from './support/agents.js';
import { createUserWithToken, queryDatabase, rowCounts } from './support/api.js';
import { connectDashboard, type DashboardClient } from './support/dashboard-client.js';
import { startTestControlPlane, type TestControlPlane } from './support/control-plane.js';
import { killAll, type ProcessHandle } from './support/processes.js';
import { waitFor } from './support/wait.js';

const HOSTNAME = `placed-${process.pid}`;

describe('datacenters and host placement', () => {
  let cp: TestControlPlane;
  let dashboard: DashboardClient;
  let agent: ProcessHandle;
  let agentToken: string;
  let admin: string;
  let operator: string;
  let engineer: string;
  const TABLES = ['datacenters', 'hosts', 'audit_log', 'dashboard_events'];

  const host = async (): Promise<HostView> =>
    (await cp.http().get(`/api/v1/hosts/${HOSTNAME}`).set('Authorization', admin).expect(200)).body;

  beforeAll(async () => {
    cp = await startTestControlPlane({ TARMAC_HEARTBEAT_INTERVAL_MS: '250', TARMAC_AGENT_GRACE_MS: '5000' });
    admin = `Bearer ${cp.adminToken}`;
    operator = `Bearer ${await createUserWithToken(cp, 'olga', ['operator'])}`;
    engineer = `Bearer ${await createUserWithToken(cp, 'ed', ['engineer'])}`;
    dashboard = await connectDashboard(cp.url, cp.adminToken);
    agentToken = (await cp.issueAgentToken(HOSTNAME)).token;
    agent = startAgent({ server: cp.url, token: agentToken, hostname: HOSTNAME, datacenter: 'tc' });
    await waitFor(async () => (await host()).status === 'online', { description: `${HOSTNAME} online`, timeoutMs: 20_000 });
  });
  afterAll(async () => {
    dashboard?.close();
    await killAll();
    await cp?.close();
  });

  it('lists datacenters in rollout order with host counts per pool', async () => {
    const yf = await cp.http().post('/api/v1/datacenters').set('Authorization', admin).send({ name: 'yf', rolloutOrder: 2, description: 'second wave' }).expect(201);
    expect(yf.body).toEqual({ name: 'yf', rolloutOrder: 2, description: 'second wave', createdAt: expect.any(String), hosts: { preview: 0, production: 0 } });
    await cp.http().post('/api/v1/datacenters').set('Authorization', admin).send({ name: 'tc', rolloutOrder: 1 }).expect(201);

    const listed = await cp.http().get('/api/v1/datacenters').set('Authorization', engineer).expect(200);
    expect(listed.body.map((d: { name: string; rolloutOrder: number; description: string; hosts: unknown }) => [d.name, d.rolloutOrder, d.description, d.hosts])).toEqual([
      ['tc', 1, '', { preview: 0, production: 1 }],
      ['yf', 2, 'second wave', { preview: 0, production: 0 }],
    ]);
    expect(await host()).toMatchObject({ datacenter: 'tc', pool: 'production' });
  });

  it('moves the host to the preview pool of another datacenter, in one audited change a dashboard sees', async () => {
    const moved = await cp.http().put(`/api/v1/hosts/${HOSTNAME}`).set('Authorization', operator).send({ datacenter: 'yf', pool: 'preview' }).expect(200);
    expect(moved.body).toMatchObject({ hostname: HOSTNAME, datacenter: 'yf', pool: 'preview', status: 'online' });
    const change = await dashboard.waitForChange('placement', (c, type) => type === 'host:updated' && c.host.pool === 'preview');
    expect(change.host).toEqual(moved.body);

    const [audited] = await queryDatabase(cp, `SELECT actor_name, action, entity_id, before, after FROM audit_log WHERE entity_type = 'host'`);
    expect(audited).toEqual({
      actor_name: 'olga',
      action: 'host.updated',
      entity_id: HOSTNAME,
      before: { datacenter: 'tc', datacenterAssigned: false, pool: 'production' },
      after: { datacenter: 'yf', datacenterAssigned: true, pool: 'preview' },
    });
    const listed = await cp.http().get('/api/v1/datacenters').set('Authorization', admin).expect(200);
    expect(listed.body.map((d: { hosts: unknown }) => d.hosts)).toEqual([{ preview: 0, production: 0 }, { preview: 1, production: 0 }]);
    const previews = await cp.http().get('/api/v1/hosts?pool=preview').set('Authorization', admin).expect(200);
    expect(previews.body.map((h: HostView) => h.hostname)).toEqual([HOSTNAME]);
  });

  it("keeps the assigned datacenter when the agent registers again with its own", async () => {
    await agent.kill('SIGTERM');
    await waitFor(async () => (await host()).status === 'offline', { description: `${HOSTNAME} offline` });
    const offlineAt = dashboard.changes().at(-1)!.payload.seq;
    agent = startAgent({ server: cp.url, token: agentToken, hostname: HOSTNAME, datacenter: 'tc' });
    const back = await dashboard.waitForChange('re-registered', (c, type) => c.seq > offlineAt && type === 'host:connected', 20_000);
    expect(back.host).toMatchObject({ datacenter: 'yf', pool: 'preview', status: 'online' });
    expect(await host()).toMatchObject({ datacenter: 'yf', pool: 'preview' });
  });

  it('writes nothing when a placement changes nothing', async () => {
    const before = await rowCounts(cp, TABLES);
    const same = await cp.http().put(`/api/v1/hosts/${HOSTNAME}`).set('Authorization', admin).send({ datacenter: 'yf', pool: 'preview' }).expect(200);
    expect(same.body).toMatchObject({ datacenter: 'yf', pool: 'preview' });
    expect(await rowCounts(cp, TABLES)).toEqual(before);
  });

  it('refuses bad placements and datacenters with distinct statuses, writing nothing', async () => {
    const before = await rowCounts(cp, TABLES);
    const put = (name: string, body: object, auth = operator) => cp.http().put(`/api/v1/hosts/${name}`).set('Authorization', auth).send(body);

    const unknown = await put(HOSTNAME, { datacenter: 'gz' }).expect(400);
    expect(unknown.body).toMatchObject({ error: 'DATACENTER_UNKNOWN', message: expect.stringMatching(/^datacenter: "gz" is not a datacenter/) });
    const bad = await put(HOSTNAME, { datacenter: 'GZ!', pool: 'staging', rack: 'r1' }).expect(400);
    expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['', 'datacenter', 'pool']);
    const empty = await put(HOSTNAME, {}).expect(400);
    expect(empty.body.message).toMatch(/must set datacenter, pool or both/);
    const ghost = await put('ghost', { pool: 'preview' }).expect(404);
    expect(ghost.body.error).toBe('HOST_NOT_FOUND');
    await cp.http().put(`/api/v1/hosts/${HOSTNAME}`).send({ pool: 'production' }).expect(401);
    const forbidden = await put(HOSTNAME, { pool: 'production' }, engineer).expect(403);
    expect(forbidden.body.message).toMatch(/needs the role operator; ed has engineer/);

    const post = (body: object, auth = admin) => cp.http().post('/api/v1/datacenters').set('Authorization', auth).send(body);
    expect((await post({ name: 'yf', rolloutOrder: 9 }).expect(409)).body.error).toBe('DATACENTER_EXISTS');
    expect((await post({ name: 'gz', rolloutOrder: 1 }).expect(409)).body).toMatchObject({ error: 'ROLLOUT_ORDER_TAKEN', message: 'rolloutOrder 1 belongs to another datacenter' });
    const malformed = await post({ name: 'Guang Zhou', rolloutOrder: -1, description: 5 }).expect(400);
    expect(malformed.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['description', 'name', 'rolloutOrder']);
    await cp.http().post('/api/v1/datacenters').send({ name: 'gz', rolloutOrder: 3 }).expect(401);
    await post({ name: 'gz', rolloutOrder: 3 }, operator).expect(403);
    await cp.http().get('/api/v1/datacenters').expect(401);
    expect(await rowCounts(cp, TABLES)).toEqual(before);
  });
});
