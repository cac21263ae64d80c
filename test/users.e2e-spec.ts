// Given a control plane on a fresh database, an admin manages users, their roles and
// their API tokens; a token is shown once, stored as a hash, and stops working when
// revoked; every change lands in the audit log and a refused request writes nothing.
import { hashToken } from '../apps/control-plane/src/common/tokens.js';
import { createUserWithToken, queryDatabase, rowCounts } from './support/api.js';
import { connectDashboard } from './support/dashboard-client.js';
import { startTestControlPlane, type TestControlPlane } from './support/control-plane.js';
import { waitFor } from './support/wait.js';

describe('users and API tokens', () => {
  let cp: TestControlPlane;
  let admin: string;
  let operator: string;
  const TABLES = ['users', 'api_tokens', 'audit_log'];

  beforeAll(async () => {
    cp = await startTestControlPlane();
    admin = `Bearer ${cp.adminToken}`;
    operator = `Bearer ${await createUserWithToken(cp, 'olga', ['operator'])}`;
  });
  afterAll(() => cp?.close());

  it('creates a user, issues a token shown once, and the token says who it is', async () => {
    const created = await cp.http().post('/api/v1/users').set('Authorization', admin).send({ name: 'rita', roles: ['reviewer', 'qa', 'reviewer'] }).expect(201);
    expect(created.body).toMatchObject({ name: 'rita', roles: ['reviewer', 'qa'], tokens: [] });

    const issued = await cp.http().post('/api/v1/users/rita/tokens').set('Authorization', admin).send({ name: 'laptop' }).expect(201);
    expect(issued.body).toEqual({ id: expect.any(String), name: 'laptop', token: expect.stringMatching(/^tmc_api_[A-Za-z0-9_-]{43}$/), createdAt: expect.any(String), revokedAt: null });

    const me = await cp.http().get('/api/v1/me').set('Authorization', `Bearer ${issued.body.token}`).expect(200);
    expect(me.body).toEqual({ id: created.body.id, name: 'rita', roles: ['reviewer', 'qa'], tokenId: issued.body.id });

    const listed = await cp.http().get('/api/v1/users').set('Authorization', admin).expect(200);
    expect(listed.body.map((u: { name: string }) => u.name)).toEqual(['admin', 'olga', 'rita']);
    expect(listed.body[2].tokens).toEqual([{ id: issued.body.id, name: 'laptop', createdAt: issued.body.createdAt, revokedAt: null }]);
    expect(JSON.stringify(listed.body)).not.toContain(issued.body.token);
    const stored = await queryDatabase(cp, 'SELECT token_hash FROM api_tokens WHERE id = $1', [issued.body.id]);
    expect(stored).toEqual([{ token_hash: hashToken(issued.body.token) }]);
  });

  it('replaces roles, and the next request with the same token sees them', async () => {
    const token = await createUserWithToken(cp, 'quinn', ['qa']);
    await cp.http().get('/api/v1/users').set('Authorization', `Bearer ${token}`).expect(403);
    const updated = await cp.http().put('/api/v1/users/quinn').set('Authorization', admin).send({ roles: ['admin'] }).expect(200);
    expect(updated.body).toMatchObject({ name: 'quinn', roles: ['admin'] });
    await cp.http().get('/api/v1/users').set('Authorization', `Bearer ${token}`).expect(200);
    const me = await cp.http().get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(me.body.roles).toEqual(['admin']);
  });

  it('revokes a token: 401 from then on, revoked_at kept, revoking again changes nothing', async () => {
    await createUserWithToken(cp, 'eve', ['engineer']);
    const issued = await cp.http().post('/api/v1/users/eve/tokens').set('Authorization', admin).send({ name: 'ci' }).expect(201);
    const bearer = `Bearer ${issued.body.token}`;
    await cp.http().get('/api/v1/me').set('Authorization', bearer).expect(200);

    await cp.http().delete(`/api/v1/users/eve/tokens/${issued.body.id}`).set('Authorization', admin).expect(204);
    const refused = await cp.http().get('/api/v1/me').set('Authorization', bearer).expect(401);
    expect(refused.body.message).toMatch(/revoked/);
    const [{ revoked_at: first }] = await queryDatabase<{ revoked_at: Date }>(cp, 'SELECT revoked_at FROM api_tokens WHERE id = $1', [issued.body.id]);
    expect(first).toBeInstanceOf(Date);

    const before = await rowCounts(cp, TABLES);
    await cp.http().delete(`/api/v1/users/eve/tokens/${issued.body.id}`).set('Authorization', admin).expect(204);
    expect(await rowCounts(cp, TABLES)).toEqual(before);
    const [{ revoked_at: again }] = await queryDatabase<{ revoked_at: Date }>(cp, 'SELECT revoked_at FROM api_tokens WHERE id = $1', [issued.body.id]);
    expect(again).toEqual(first);
    // Eve's other token still works.
    const listed = await cp.http().get('/api/v1/users').set('Authorization', admin).expect(200);
    const eve = listed.body.find((u: { name: string }) => u.name === 'eve');
    expect(eve.tokens.map((t: { name: string; revokedAt: string | null }) => [t.name, t.revokedAt === null])).toEqual([['tests', true], ['ci', false]]);
  });

  it('closes the dashboard feeds a token opened when it is revoked, and only those', async () => {
    const kept = await createUserWithToken(cp, 'dora', ['dispatcher']);
    const issued = await cp.http().post('/api/v1/users/dora/tokens').set('Authorization', admin).send({ name: 'wallboard' }).expect(201);
    const wallboard = await connectDashboard(cp.url, issued.body.token);
    const other = await connectDashboard(cp.url, kept);
    try {
      let reason = '';
      wallboard.socket.on('disconnect', (why) => (reason = why));
      await cp.http().delete(`/api/v1/users/dora/tokens/${issued.body.id}`).set('Authorization', admin).expect(204);
      await waitFor(() => reason, { description: 'wallboard disconnected' });
      expect(reason).toBe('io server disconnect');
      expect(other.socket.connected).toBe(true);
      await expect(connectDashboard(cp.url, issued.body.token)).rejects.toMatchObject({ data: { code: 'API_TOKEN_INVALID' } });
    } finally {
      wallboard.close();
      other.close();
    }
  });

  it('answers 401 without a token, 403 to a non-admin, for every user route', async () => {
    const routes = [
      () => cp.http().post('/api/v1/users').send({ name: 'x', roles: [] }),
      () => cp.http().get('/api/v1/users'),
      () => cp.http().put('/api/v1/users/olga').send({ roles: [] }),
      () => cp.http().post('/api/v1/users/olga/tokens').send({ name: 'x' }),
      () => cp.http().delete('/api/v1/users/olga/tokens/8a6e0f5e-3c1b-4c43-9d7b-2f1e0c9a7b11'),
    ];
    const before = await rowCounts(cp, TABLES);
    for (const route of routes) {
      await route().expect(401);
      const forbidden = await route().set('Authorization', operator).expect(403);
      expect(forbidden.body.message).toMatch(/needs the role admin; olga has operator/);
    }
    await cp.http().get('/api/v1/me').expect(401);
    expect(await rowCounts(cp, TABLES)).toEqual(before);
  });

  it('refuses bad requests naming every bad path, and writes nothing', async () => {
    const before = await rowCounts(cp, TABLES);
    const bad = await cp.http().post('/api/v1/users').set('Authorization', admin).send({ name: 'Bad Name', roles: ['wizard', 'qa'], extra: 1 }).expect(400);
    expect(bad.body.error).toBe('VALIDATION_FAILED');
    expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['', 'name', 'roles.0']);
    expect(bad.body.message).toMatch(/extra/);

    const noRoles = await cp.http().put('/api/v1/users/olga').set('Authorization', admin).send({}).expect(400);
    expect(noRoles.body.issues).toEqual([expect.objectContaining({ path: 'roles' })]);
    const noName = await cp.http().post('/api/v1/users/olga/tokens').set('Authorization', admin).send({ name: '  ' }).expect(400);
    expect(noName.body.issues).toEqual([expect.objectContaining({ path: 'name' })]);
    await cp.http().delete('/api/v1/users/olga/tokens/not-a-uuid').set('Authorization', admin).expect(400);
    expect(await rowCounts(cp, TABLES)).toEqual(before);
  });

  it('answers 404 for unknown users and tokens, 409 for a taken name, and writes nothing', async () => {
    const before = await rowCounts(cp, TABLES);
    const exists = await cp.http().post('/api/v1/users').set('Authorization', admin).send({ name: 'olga', roles: ['qa'] }).expect(409);
    expect(exists.body).toMatchObject({ error: 'USER_EXISTS', message: 'user "olga" already exists' });
    const ghost = await cp.http().put('/api/v1/users/ghost').set('Authorization', admin).send({ roles: ['qa'] }).expect(404);
    expect(ghost.body.error).toBe('USER_NOT_FOUND');
    await cp.http().post('/api/v1/users/ghost/tokens').set('Authorization', admin).send({ name: 'x' }).expect(404);
    const [olgaToken] = await queryDatabase<{ id: string }>(cp, `SELECT t.id FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.name = 'olga'`);
    // Olga's token under another user's name is not found: the path must match the owner.
    const wrongOwner = await cp.http().delete(`/api/v1/users/rita/tokens/${olgaToken!.id}`).set('Authorization', admin).expect(404);
    expect(wrongOwner.body.error).toBe('API_TOKEN_NOT_FOUND');
    expect(await rowCounts(cp, TABLES)).toEqual(before);
  });

  it('refuses to demote the last admin', async () => {
    await cp.http().put('/api/v1/users/quinn').set('Authorization', admin).send({ roles: ['qa'] }).expect(200);
    const refused = await cp.http().put('/api/v1/users/admin').set('Authorization', admin).send({ roles: ['operator'] }).expect(409);
    expect(refused.body.error).toBe('LAST_ADMIN');
    await cp.http().get('/api/v1/users').set('Authorization', admin).expect(200);
  });

  it('records every change in the audit log with the admin as actor and no secret', async () => {
    const entries = await queryDatabase<{ actor_name: string; action: string; entity_id: string; before: unknown; after: unknown }>(
      cp,
      `SELECT actor_name, action, entity_id, before, after FROM audit_log WHERE entity_id IN ('rita', 'quinn') OR action LIKE 'api-token.%' ORDER BY id`,
    );
    expect(entries.every((e) => e.actor_name === 'admin')).toBe(true);
    expect(entries.filter((e) => e.entity_id === 'rita' || e.entity_id === 'quinn').map((e) => [e.action, e.entity_id, e.before, e.after])).toEqual([
      ['user.created', 'rita', null, { roles: ['reviewer', 'qa'] }],
      ['user.created', 'quinn', null, { roles: ['qa'] }],
      ['user.updated', 'quinn', { roles: ['qa'] }, { roles: ['admin'] }],
      ['user.updated', 'quinn', { roles: ['admin'] }, { roles: ['qa'] }],
    ]);
    expect(entries.filter((e) => e.action === 'api-token.revoked')).toHaveLength(2);
    expect(entries.filter((e) => e.action === 'api-token.issued').length).toBeGreaterThanOrEqual(5);
    const text = JSON.stringify(await queryDatabase(cp, 'SELECT * FROM audit_log'));
    expect(text).not.toMatch(/tmc_api_/);
  });
});
