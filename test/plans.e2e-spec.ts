// Launch plans and their gates through the real API on real PostgreSQL: what the seed
// asks of a plan, and every wrong move refused with nothing written.
import { readFile } from 'node:fs/promises';
import type { PlanView } from '../libs/protocol/src/index.js';
import { createUserWithToken, queryDatabase, rowCounts } from './support/api.js';
import { startTestControlPlane, type TestControlPlane } from './support/control-plane.js';
import { createFleet, type Fleet } from './support/fleet-fixtures.js';
import { ManualClock } from './support/manual-clock.js';

const EXAMPLE = new URL('../examples/plan.yaml', import.meta.url);
// The example launches Thursday 2026-12-03 10:00 +08:00; the cutoff is Wednesday 18:00 UTC.
const BEFORE_CUTOFF = '2026-12-01T09:00:00Z';

describe('launch plans and gates', () => {
  const clock = new ManualClock(BEFORE_CUTOFF);
  let cp: TestControlPlane;
  let fleet: Fleet;
  let yaml: string;
  const tokens: Record<string, string> = {};

  const as = (user: string) => `Bearer ${tokens[user]}`;
  const submit = (user = 'alice', body: string = yaml) =>
    cp.http().post('/api/v1/plans').set('Authorization', as(user)).set('Content-Type', 'application/yaml').send(body);
  const sign = (user: string, id: string, gate: string, decision = 'approve', comment = '') =>
    cp.http().post(`/api/v1/plans/${id}/gates/${gate}`).set('Authorization', as(user)).send({ decision, comment });
  const requestReview = (id: string, user = 'alice') => cp.http().post(`/api/v1/plans/${id}/review-request`).set('Authorization', as(user));

  beforeAll(async () => {
    cp = await startTestControlPlane({}, clock);
    tokens.admin = cp.adminToken;
    for (const [name, roles] of Object.entries({
      alice: ['engineer'],
      rita: ['reviewer'],
      quinn: ['qa'],
      sam: ['supervisor'],
      dora: ['dispatcher'],
      polly: ['engineer', 'reviewer', 'qa', 'supervisor', 'dispatcher'],
    })) {
      tokens[name] = await createUserWithToken(cp, name, roles);
    }
    fleet = await createFleet(cp, {
      datacenters: ['tc', 'yf'],
      services: [
        { name: 'web', role: 'frontend', configs: 1 },
        { name: 'worker', role: 'processor' },
      ],
      hosts: [
        { hostname: 'tc-1', datacenter: 'tc' },
        { hostname: 'tc-2', datacenter: 'tc' },
        { hostname: 'yf-1', datacenter: 'yf' },
        { hostname: 'tc-preview', datacenter: 'tc', pool: 'preview' },
      ],
    });
    yaml = await readFile(EXAMPLE, 'utf8');
  });
  afterAll(async () => {
    fleet?.close();
    await cp?.close();
  });
  beforeEach(() => clock.set(BEFORE_CUTOFF));

  it('accepts the example plan file as YAML, as a draft authored by the caller', async () => {
    const created = await submit().expect(201);
    const plan: PlanView = created.body;
    expect(plan).toMatchObject({ status: 'draft', author: 'alice', revision: 1, reviewCutoff: '2026-12-02T18:00:00.000Z' });
    expect(plan.contentHash).toMatch(/^sha256:/);
    expect(plan.gates).toEqual({ code_review: 'pending', qa: 'pending', supervisor: 'pending', dispatcher: 'pending' });
    expect(plan.spec.batch).toEqual({ size: { percent: 25 }, minHealthyPercent: 75, pauseSeconds: 30 });
    await cp.http().get(`/api/v1/plans/${plan.id}`).set('Authorization', as('quinn')).expect(200);
    const same = await cp.http().post('/api/v1/plans').set('Authorization', as('alice')).send(plan.spec).expect(201);
    expect(same.body.contentHash).toBe(plan.contentHash);
  });

  it('walks the gates: review requested, four sign-offs by others, approved', async () => {
    const { body: plan } = await submit().expect(201);
    await sign('rita', plan.id, 'code_review').expect(409);
    expect((await requestReview(plan.id).expect(200)).body.status).toBe('in_review');
    await sign('rita', plan.id, 'code_review', 'approve', 'reads well').expect(200);
    await sign('quinn', plan.id, 'qa').expect(200);
    await sign('sam', plan.id, 'supervisor').expect(200);
    const approved = await sign('dora', plan.id, 'dispatcher').expect(200);
    expect(approved.body).toMatchObject({ status: 'approved', gates: { code_review: 'approved', qa: 'approved', supervisor: 'approved', dispatcher: 'approved' } });
    expect(approved.body.signatures.map((s: { signedBy: string; current: boolean }) => [s.signedBy, s.current])).toEqual([
      ['rita', true],
      ['quinn', true],
      ['sam', true],
      ['dora', true],
    ]);
    const audit = await queryDatabase<{ action: string; actor_name: string }>(cp, 'SELECT action, actor_name FROM audit_log WHERE plan_id = $1 ORDER BY id', [plan.id]);
    expect(audit.map((a) => `${a.actor_name}:${a.action}`)).toEqual([
      'alice:plan.created',
      'alice:plan.review-requested',
      'rita:gate.approved',
      'quinn:gate.approved',
      'sam:gate.approved',
      'dora:gate.approved',
    ]);
  });

  it('refuses the author signing their own plan and a user without the gate role (403)', async () => {
    const { body: plan } = await submit('polly').expect(201);
    await requestReview(plan.id, 'polly').expect(200);
    const own = await sign('polly', plan.id, 'qa').expect(403);
    expect(own.body).toMatchObject({ error: 'AUTHOR_CANNOT_SIGN' });
    const wrongRole = await sign('quinn', plan.id, 'code_review').expect(403);
    expect(wrongRole.body).toMatchObject({ error: 'GATE_ROLE_REQUIRED', message: 'the code_review gate needs the role reviewer' });
    const admin = await sign('admin', plan.id, 'qa').expect(403);
    expect(admin.body.error).toBe('GATE_ROLE_REQUIRED');
    await sign('quinn', plan.id, 'release').expect(400);
    expect((await queryDatabase(cp, 'SELECT * FROM gate_signatures WHERE plan_id = $1', [plan.id])).length).toBe(0);
  });

  it('delays a review requested after the cutoff until an admin overrides it with a reason', async () => {
    const { body: plan } = await submit().expect(201);
    clock.set('2026-12-02T18:00:00Z');
    const late = await requestReview(plan.id).expect(200);
    expect(late.body.status).toBe('delayed');
    await sign('rita', plan.id, 'code_review').expect(409);
    await cp.http().post(`/api/v1/plans/${plan.id}/delay-override`).set('Authorization', as('dora')).send({ reason: 'x' }).expect(403);
    await cp.http().post(`/api/v1/plans/${plan.id}/delay-override`).set('Authorization', as('admin')).send({}).expect(400);
    const overridden = await cp
      .http()
      .post(`/api/v1/plans/${plan.id}/delay-override`)
      .set('Authorization', as('admin'))
      .send({ reason: 'security fix, agreed with the dispatcher' })
      .expect(200);
    expect(overridden.body).toMatchObject({ status: 'in_review', delayOverride: { by: 'admin', reason: 'security fix, agreed with the dispatcher' } });
    const [entry] = await queryDatabase<{ reason: string }>(cp, `SELECT reason FROM audit_log WHERE plan_id = $1 AND action = 'plan.delay-overridden'`, [plan.id]);
    expect(entry.reason).toBe('security fix, agreed with the dispatcher');
  });

  it('clears the signatures when a signed plan is edited, and returns a rejected plan to draft with the comment', async () => {
    const { body: plan } = await submit().expect(201);
    await requestReview(plan.id).expect(200);
    for (const [user, gate] of [['rita', 'code_review'], ['quinn', 'qa'], ['sam', 'supervisor'], ['dora', 'dispatcher']]) {
      await sign(user, plan.id, gate).expect(200);
    }
    const edited = await cp
      .http()
      .put(`/api/v1/plans/${plan.id}`)
      .set('Authorization', as('alice'))
      .send({ ...plan.spec, batch: { ...plan.spec.batch, pauseSeconds: 60 } })
      .expect(200);
    expect(edited.body).toMatchObject({ status: 'in_review', revision: 2 });
    expect(edited.body.contentHash).not.toBe(plan.contentHash);
    expect(Object.values(edited.body.gates)).toEqual(['pending', 'pending', 'pending', 'pending']);
    expect(edited.body.signatures.every((s: { current: boolean }) => !s.current)).toBe(true);
    await cp.http().put(`/api/v1/plans/${plan.id}`).set('Authorization', as('rita')).send(plan.spec).expect(403);

    const rejected = await sign('quinn', plan.id, 'qa', 'reject', 'regression suite fails on checkout').expect(200);
    expect(rejected.body).toMatchObject({ status: 'draft', rejection: { gate: 'qa', by: 'quinn', comment: 'regression suite fails on checkout' } });
  });

  it('lists plans by status, author and service', async () => {
    const list = (query: string) => cp.http().get(`/api/v1/plans${query}`).set('Authorization', as('dora')).expect(200);
    const approved = (await list('?status=approved')).body as PlanView[];
    expect(approved.length).toBeGreaterThan(0);
    expect(approved.every((p) => p.status === 'approved')).toBe(true);
    expect(((await list('?author=polly')).body as PlanView[]).map((p) => p.author)).toEqual(['polly']);
    expect((await list('?service=worker')).body.length).toBeGreaterThan(0);
    expect((await list('?service=nothing')).body).toEqual([]);
    await cp.http().get('/api/v1/plans?status=done').set('Authorization', as('dora')).expect(400);
  });

  describe('refused input writes nothing', () => {
    let before: Record<string, number>;
    beforeEach(async () => {
      before = await rowCounts(cp, ['plans', 'audit_log', 'dashboard_events']);
    });
    afterEach(async () => {
      expect(await rowCounts(cp, ['plans', 'audit_log', 'dashboard_events'])).toEqual(before);
    });
    const post = (type: string, body: string) =>
      cp.http().post('/api/v1/plans').set('Authorization', as('alice')).set('Content-Type', type).send(body);

    it('malformed JSON', async () => {
      const response = await post('application/json', '{"title": "x",').expect(400);
      expect(response.body.message).toMatch(/JSON/);
    });

    it('bad YAML', async () => {
      const response = await post('application/yaml', 'title: [unclosed\nreleases: {').expect(400);
      expect(response.body.issues[0].message).toMatch(/^YAML: /);
    });

    it('a YAML alias bomb', async () => {
      const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
      for (let i = 1; i < 9; i++) {
        const prev = String.fromCharCode(96 + i);
        const next = String.fromCharCode(97 + i);
        levels.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(',')}]`);
      }
      const response = await post('application/yaml', levels.join('\n')).expect(400);
      expect(response.body.message).toMatch(/alias/i);
    });

    it('an oversized body', async () => {
      await post('application/yaml', `description: "${'x'.repeat(1_100_000)}"`).expect(413);
    });

    it('unknown fields, wrong types, unknown services, malformed images: every problem at once', async () => {
      const bad = yaml
        .replace('title: Checkout', 'colour: blue\ntitle: Checkout')
        .replace('service: worker', 'service: ghost')
        .replace('image: "2.4.0"\n    configVersion: 1', 'image: "not a tag!"\n    configVersion: 7')
        .replace('autoRollback: true', 'autoRollback: "yes"')
        .replace('targetDatacenters: [tc, yf]', 'targetDatacenters: [tc, nowhere]')
        .replace('size: { percent: 25 }', 'size: { count: 0 }');
      const response = await post('application/yaml', bad).expect(400);
      const paths = response.body.issues.map((issue: { path: string }) => issue.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          '',
          'releases.0.image',
          'releases.0.configVersion',
          'releases.1.service',
          'autoRollback',
          'targetDatacenters.1',
          'batch.size.count',
          // worker (the only processor) became "ghost": the processor steps now cover nothing
          'rollback.steps.0.roles.0',
        ]),
      );
      expect(response.body.message).toMatch(/Unrecognized key: "colour"/);
      expect(response.body.message).toMatch(/unknown service "ghost"/);
    });

    it('a rollback plan that leaves a released service uncovered', async () => {
      const bad = yaml.replace('    - { services: [web], what: both, shiftTraffic: true }\n', '');
      expect(bad).not.toBe(yaml); // the example still has the step this test takes out
      const response = await post('application/yaml', bad).expect(400);
      expect(response.body.issues).toEqual([{ path: 'rollback.steps', message: 'service "web" (role frontend) is not covered by any rollback step' }]);
    });
  });
});
