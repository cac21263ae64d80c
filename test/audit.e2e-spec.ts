// Given a control plane whose audit log holds changes by several people, any
// authenticated user reads it, filtered by plan, actor and time, within a bounded limit.
import { DataSource } from 'typeorm';
import { AuditLogRepository } from '../apps/control-plane/src/audit/audit-log.repository.js';
import { createUserWithToken } from './support/api.js';
import { startTestControlPlane, type TestControlPlane } from './support/control-plane.js';

const PLAN = '0b7d4a9e-5f2c-4c1e-9a3b-6d8e7f1a2b3c';

describe('the audit API', () => {
  let cp: TestControlPlane;
  let engineer: string;
  const get = (query: string, auth = engineer) => cp.http().get(`/api/v1/audit${query}`).set('Authorization', auth);

  beforeAll(async () => {
    cp = await startTestControlPlane();
    engineer = `Bearer ${await createUserWithToken(cp, 'ed', ['engineer'])}`;
    await cp.http().post('/api/v1/datacenters').set('Authorization', `Bearer ${cp.adminToken}`).send({ name: 'tc', rolloutOrder: 1 }).expect(201);
    // Plan entries as the plans module will write them (it is built separately).
    const audit = cp.plane.app.get(AuditLogRepository);
    await cp.plane.app.get(DataSource).transaction(async (tx) => {
      for (let i = 0; i < 3; i++) {
        await audit.record(tx, { actor: { id: null, name: 'ed' }, action: 'plan.updated', entityType: 'plan', entityId: PLAN, planId: PLAN, at: new Date(Date.UTC(2030, 0, 1, i)) });
      }
    });
  });
  afterAll(() => cp?.close());

  it('shows every entry to any authenticated user, oldest first', async () => {
    const all = await get('').expect(200);
    expect(all.body.map((e: { actor: string; action: string }) => `${e.actor}:${e.action}`)).toEqual([
      'admin:user.created',
      'admin:api-token.issued',
      'admin:datacenter.created',
      'ed:plan.updated',
      'ed:plan.updated',
      'ed:plan.updated',
    ]);
    expect(all.body[2]).toEqual({
      id: expect.any(Number),
      at: expect.any(String),
      actor: 'admin',
      action: 'datacenter.created',
      entityType: 'datacenter',
      entityId: 'tc',
      planId: null,
      before: null,
      after: { name: 'tc', rolloutOrder: 1, description: '', createdAt: expect.any(String) },
      reason: null,
    });
  });

  it('filters by plan, actor and time, and limits', async () => {
    expect((await get(`?plan=${PLAN}`).expect(200)).body).toHaveLength(3);
    expect((await get('?actor=admin').expect(200)).body.map((e: { action: string }) => e.action)).toEqual(['user.created', 'api-token.issued', 'datacenter.created']);
    const since = await get('?since=2030-01-01T01:00:00Z').expect(200);
    expect(since.body.map((e: { at: string }) => e.at)).toEqual(['2030-01-01T01:00:00.000Z', '2030-01-01T02:00:00.000Z']);
    expect((await get('?since=2030-01-01T09:00:00%2B08:00&limit=1').expect(200)).body.map((e: { at: string }) => e.at)).toEqual(['2030-01-01T01:00:00.000Z']);
    expect((await get('?limit=2').expect(200)).body).toHaveLength(2);
    expect((await get('?actor=nobody').expect(200)).body).toEqual([]);
  });

  it('refuses bad filters naming each, and unauthenticated readers', async () => {
    const bad = await get('?plan=not-a-uuid&since=yesterday&limit=1001&color=red').expect(400);
    expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['', 'limit', 'plan', 'since']);
    await get('?limit=0').expect(400);
    await cp.http().get('/api/v1/audit').expect(401);
    await cp.http().get('/api/v1/audit').set('Authorization', 'Bearer tmc_api_unknown').expect(401);
  });
});
