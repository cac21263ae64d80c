// Launch summaries, freezes, the scheduler and plan starts over the real HTTP API on
// real PostgreSQL, with a manual clock the scheduler's poller follows.
import { DashboardEvent, type RolloutRecord, type SummaryView } from '../libs/protocol/src/index.js';
import { RolloutLifecycle } from '../apps/control-plane/src/rollouts/rollout-lifecycle.service.js';
import { startTestControlPlane, type TestControlPlane } from './support/control-plane.js';
import { connectDashboard, type DashboardClient } from './support/dashboard-client.js';
import { ManualClock } from './support/manual-clock.js';
import { ReleaseFixtures } from './support/release-fixtures.js';
import { waitFor } from './support/wait.js';

const HOUR = 3600_000;

describe('release schedule', () => {
  const clock = new ManualClock('2026-12-01T10:00:00Z');
  let cp: TestControlPlane;
  let db: ReleaseFixtures;
  let dispatcher: string;
  let operator: string;
  let engineer: { id: string; token: string };
  let dashboard: DashboardClient;

  beforeAll(async () => {
    cp = await startTestControlPlane({}, clock);
    db = await ReleaseFixtures.connect(cp.database.url);
    dispatcher = (await db.user('dora', ['dispatcher'])).token;
    operator = (await db.user('otto', ['operator'])).token;
    engineer = await db.user('eve', ['engineer']);
    dashboard = await connectDashboard(cp.url, cp.adminToken);
  });
  afterAll(async () => {
    dashboard?.close();
    await db?.close();
    await cp?.close();
  });

  const as = (token: string) => ({
    post: (path: string, body?: object) => cp.http().post(path).set('Authorization', `Bearer ${token}`).send(body),
    get: (path: string) => cp.http().get(path).set('Authorization', `Bearer ${token}`),
  });
  const at = (offsetMs: number) => new Date(clock.now().getTime() + offsetMs).toISOString();
  const entry = (planId: string, order: number, withPrevious = false) => ({
    planId,
    mergeOrder: order,
    packageOrder: order,
    rollbackOrder: order,
    withPrevious,
  });
  const planStatus = async (id: string) => (await db.query<{ status: string }>('SELECT status FROM plans WHERE id = $1', [id]))[0].status;
  const rolloutsOf = (planId: string) => db.query<{ id: string; status: string; summary_id: string | null }>('SELECT * FROM rollouts WHERE plan_id = $1', [planId]);
  const audit = (action: string, planId?: string) =>
    db.query<{ actor_name: string; reason: string | null; after: Record<string, unknown> }>(
      'SELECT * FROM audit_log WHERE action = $1 AND ($2::uuid IS NULL OR plan_id = $2) ORDER BY id',
      [action, planId ?? null],
    );
  /** What the rollout engine will do when a rollout ends. */
  const finishRollout = async (planId: string, status: string) => {
    const [rollout] = await rolloutsOf(planId);
    await db.finishRollout(rollout.id, status);
    await cp.plane.app.get(RolloutLifecycle).onRolloutFinished(rollout.id);
  };

  describe('summaries', () => {
    let web: string, api: string, web2: string;
    let summary: SummaryView;

    beforeAll(async () => {
      web = await db.plan(engineer.id, ['web']);
      api = await db.plan(engineer.id, ['api']);
      web2 = await db.plan(engineer.id, ['web', 'worker']);
    });

    it('lets a dispatcher draft one, with the plans in start order', async () => {
      const response = await as(dispatcher)
        .post('/api/v1/summaries', {
          title: 'Tuesday release',
          window: { start: at(HOUR), end: at(3 * HOUR) },
          notes: 'web first',
          plans: [entry(web, 1), { ...entry(api, 2), rollbackOrder: 3, withPrevious: true }, { ...entry(web2, 3), rollbackOrder: 2 }],
        })
        .expect(201);
      summary = response.body;
      expect(summary).toMatchObject({
        title: 'Tuesday release',
        status: 'draft',
        notes: 'web first',
        publishedAt: null,
        window: { start: at(HOUR), end: at(3 * HOUR) },
        plans: [
          { planId: web, position: 1, withPrevious: false },
          { planId: api, position: 2, rollbackOrder: 3, withPrevious: true },
          { planId: web2, position: 3, rollbackOrder: 2, withPrevious: false },
        ],
      });
      await as(operator).get(`/api/v1/summaries/${summary.id}`).expect(200, summary);
      expect((await as(operator).get('/api/v1/summaries').expect(200)).body).toEqual([summary]);
      await waitFor(() => dashboard.received.find((r) => (r.type as string) === DashboardEvent.SummaryCreated), { description: 'summary:created' });
    });

    it('names every problem of a draft at once (400)', async () => {
      const draft = await db.plan(engineer.id, ['db'], 'in_review');
      const other = await db.plan(engineer.id, ['web']);
      const response = await as(dispatcher)
        .post('/api/v1/summaries', {
          title: 'broken',
          window: { start: at(HOUR), end: at(HOUR) },
          plans: [{ ...entry(draft, 1), mergeOrder: 2 }, entry(other, 2), { ...entry('6f1d3c1e-0000-4000-8000-000000000000', 3), withPrevious: true }],
        })
        .expect(400);
      expect(response.body.error).toBe('SUMMARY_INVALID');
      expect(response.body.issues.map((i: { path: string }) => i.path)).toEqual(
        expect.arrayContaining(['window.end', 'plans.0.planId', 'plans.1.mergeOrder', 'plans.2.planId']),
      );
      for (const expected of [
        'window.end: the window must end after it starts',
        `plans.0.planId: plan ${draft} is in_review, not approved`,
        'plans.1.mergeOrder: mergeOrder 2 is also the mergeOrder of plans.0',
        'plans.2.planId: plan 6f1d3c1e-0000-4000-8000-000000000000 does not exist',
      ]) {
        expect(response.body.message).toContain(expected);
      }
      const overlap = await as(dispatcher)
        .post('/api/v1/summaries', { title: 'overlap', window: { start: at(HOUR), end: at(2 * HOUR) }, plans: [entry(other, 1), entry(await db.plan(engineer.id, ['web']), 2, true)] })
        .expect(400);
      expect(overlap.body.message).toMatch(/plans\.1\.withPrevious: plans\.1 and plans\.0 both release service web/);
      const malformed = await as(dispatcher).post('/api/v1/summaries', { title: '', window: { start: 'tomorrow' }, plans: [] }).expect(400);
      expect(malformed.body.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(['title', 'window.start', 'window.end', 'plans']));
    });

    it('refuses a plan already in an open summary (409), and anyone but a dispatcher (403)', async () => {
      const conflict = await as(dispatcher)
        .post('/api/v1/summaries', { title: 'again', window: { start: at(HOUR), end: at(2 * HOUR) }, plans: [entry(api, 1)] })
        .expect(409);
      expect(conflict.body).toMatchObject({ error: 'PLAN_IN_OPEN_SUMMARY', message: `plans.0.planId: plan ${api} is already in open summary ${summary.id}` });
      await as(operator).post('/api/v1/summaries', { title: 'x', window: { start: at(HOUR), end: at(2 * HOUR) }, plans: [entry(api, 1)] }).expect(403);
      await as(operator).post(`/api/v1/summaries/${summary.id}/publish`).expect(403);
    });

    it('publishes once: plans scheduled, the window-start job queued, audited and announced', async () => {
      const published = (await as(dispatcher).post(`/api/v1/summaries/${summary.id}/publish`).expect(200)).body as SummaryView;
      expect(published).toMatchObject({ status: 'published', publishedAt: clock.now().toISOString() });
      for (const plan of [web, api, web2]) expect(await planStatus(plan)).toBe('scheduled');
      expect(await db.query('SELECT kind, run_at, status FROM jobs WHERE key = $1', [`summary-start:${summary.id}`])).toEqual([
        { kind: 'summary.window-start', run_at: new Date(summary.window.start), status: 'pending' },
      ]);
      expect(await audit('summary.published')).toEqual([expect.objectContaining({ actor_name: 'dora' })]);
      expect((await audit('plan.scheduled')).length).toBe(3);
      const event = await waitFor(() => dashboard.received.find((r) => (r.type as string) === DashboardEvent.SummaryPublished), { description: 'summary:published' });
      expect(event.payload).toMatchObject({ summary: { id: summary.id, status: 'published' } });
      expect(dashboard.received.filter((r) => (r.type as string) === DashboardEvent.PlanScheduled)).toHaveLength(3);

      const again = await as(dispatcher).post(`/api/v1/summaries/${summary.id}/publish`).expect(409);
      expect(again.body.error).toBe('SUMMARY_NOT_DRAFT');
      await as(dispatcher).post('/api/v1/summaries/6f1d3c1e-0000-4000-8000-000000000000/publish').expect(404);
    });

    it('starts the first group at the window start, and each next group when the previous one has succeeded', async () => {
      clock.advance(HOUR - 1);
      await new Promise((r) => setTimeout(r, 1200));
      expect(await rolloutsOf(web)).toEqual([]);

      clock.advance(1);
      await waitFor(async () => (await rolloutsOf(api)).length === 1, { description: 'first group started' });
      for (const plan of [web, api]) {
        expect(await rolloutsOf(plan)).toEqual([expect.objectContaining({ status: expect.stringMatching(/^(pending|running|paused)$/), summary_id: summary.id })]);
        expect(await planStatus(plan)).toBe('started');
        expect(await audit('plan.started', plan)).toEqual([expect.objectContaining({ actor_name: 'tarmac', reason: 'summary window start' })]);
      }
      expect(await rolloutsOf(web2)).toEqual([]);
      await waitFor(() => dashboard.received.filter((r) => (r.type as string) === DashboardEvent.PlanStarted).length === 2, { description: 'plan:started twice' });

      await finishRollout(web, 'succeeded');
      await waitFor(async () => (await db.query(`SELECT 1 FROM jobs WHERE kind = 'summary.next-group' AND status = 'done'`)).length === 1, { description: 'next-group job ran' });
      expect(await rolloutsOf(web2)).toEqual([]);

      await finishRollout(api, 'succeeded');
      await waitFor(async () => (await rolloutsOf(web2)).length === 1, { description: 'second group started' });
      expect(await audit('plan.started', web2)).toEqual([expect.objectContaining({ reason: 'previous group succeeded' })]);

      await finishRollout(web2, 'succeeded');
      await waitFor(async () => (await as(operator).get(`/api/v1/summaries/${summary.id}`)).body.status === 'completed', { description: 'summary completed' });
    });

    it('halts a summary whose rollout did not succeed, with the reason', async () => {
      const first = await db.plan(engineer.id, ['search']);
      const second = await db.plan(engineer.id, ['search']);
      const { body } = await as(dispatcher)
        .post('/api/v1/summaries', { title: 'halts', window: { start: at(60_000), end: at(HOUR) }, plans: [entry(first, 1), entry(second, 2)] })
        .expect(201);
      await as(dispatcher).post(`/api/v1/summaries/${body.id}/publish`).expect(200);
      clock.advance(60_000);
      await waitFor(async () => (await rolloutsOf(first)).length === 1, { description: 'first started' });
      await finishRollout(first, 'rolled_back');
      await waitFor(async () => (await audit('summary.halted')).length === 1, { description: 'halted' });
      expect((await audit('summary.halted'))[0]).toMatchObject({ reason: 'PREVIOUS_ROLLOUT_UNSUCCESSFUL', after: { planId: first, rolloutStatus: 'rolled_back' } });
      expect(await rolloutsOf(second)).toEqual([]);
    });
  });

  describe('freezes', () => {
    it('lets only an admin declare one, audited', async () => {
      await as(operator).post('/api/v1/freezes', { startsAt: at(HOUR), endsAt: at(2 * HOUR), reason: 'x' }).expect(403);
      const bad = await as(cp.adminToken).post('/api/v1/freezes', { startsAt: at(HOUR), endsAt: at(HOUR), reason: 'x' }).expect(400);
      expect(bad.body.error).toBe('FREEZE_INVALID');
      const listedBefore = (await as(operator).get('/api/v1/freezes').expect(200)).body.length;
      const { body } = await as(cp.adminToken).post('/api/v1/freezes', { startsAt: at(10 * HOUR), endsAt: at(11 * HOUR), reason: 'board meeting' }).expect(201);
      expect(body).toMatchObject({ startsAt: at(10 * HOUR), endsAt: at(11 * HOUR), reason: 'board meeting' });
      expect((await as(operator).get('/api/v1/freezes').expect(200)).body).toHaveLength(listedBefore + 1);
      expect(await db.query(`SELECT actor_name, reason FROM audit_log WHERE action = 'freeze.created'`)).toEqual([{ actor_name: 'admin', reason: 'board meeting' }]);
    });

    it('defers a scheduled start to the end of the freeze, recording why', async () => {
      const plan = await db.plan(engineer.id, ['billing']);
      const { body: summary } = await as(dispatcher)
        .post('/api/v1/summaries', { title: 'frozen', window: { start: at(HOUR), end: at(5 * HOUR) }, plans: [entry(plan, 1)] })
        .expect(201);
      const { body: freeze } = await as(cp.adminToken)
        .post('/api/v1/freezes', { startsAt: at(HOUR - 60_000), endsAt: at(2 * HOUR), reason: 'incident review' })
        .expect(201);
      await as(dispatcher).post(`/api/v1/summaries/${summary.id}/publish`).expect(200);

      clock.advance(HOUR);
      const [deferred] = await waitFor(async () => {
        const rows = await audit('plan.start-deferred', plan);
        return rows.length > 0 ? rows : undefined;
      }, { description: 'start deferred' });
      expect(deferred).toMatchObject({
        actor_name: 'tarmac',
        reason: `freeze ${freeze.id} until ${freeze.endsAt}: incident review`,
        after: { freezeId: freeze.id, deferredUntil: freeze.endsAt },
      });
      expect(await db.query('SELECT run_at, status, attempts FROM jobs WHERE key = $1', [`summary-start:${summary.id}`])).toEqual([
        { run_at: new Date(freeze.endsAt), status: 'pending', attempts: 0 },
      ]);
      expect(await rolloutsOf(plan)).toEqual([]);

      clock.set(freeze.endsAt);
      await waitFor(async () => (await rolloutsOf(plan)).length === 1, { description: 'started after the freeze' });
      expect(await audit('plan.start-deferred', plan)).toHaveLength(1);
    });
  });

  describe('starting a plan by hand', () => {
    let freezeId: string;
    beforeAll(async () => {
      freezeId = (await as(cp.adminToken).post('/api/v1/freezes', { startsAt: at(-60_000), endsAt: at(HOUR), reason: 'holiday' }).expect(201)).body.id;
    });

    it('is refused inside a freeze (409), an emergency needs an admin (403), and an admin emergency is recorded', async () => {
      const plan = await db.plan(engineer.id, ['payments']);
      const frozen = await as(operator).post(`/api/v1/plans/${plan}/start`).expect(409);
      expect(frozen.body).toMatchObject({ error: 'FROZEN' });
      expect(frozen.body.message).toMatch(/frozen until .*holiday/);
      const notAdmin = await as(dispatcher).post(`/api/v1/plans/${plan}/start`, { emergency: { reason: 'hotfix' } }).expect(403);
      expect(notAdmin.body.error).toBe('EMERGENCY_NEEDS_ADMIN');
      await as(engineer.token).post(`/api/v1/plans/${plan}/start`).expect(403);
      expect(await planStatus(plan)).toBe('approved');

      const started = (await as(cp.adminToken).post(`/api/v1/plans/${plan}/start`, { emergency: { reason: 'payments outage hotfix' } }).expect(201)).body as RolloutRecord;
      expect(started).toMatchObject({
        planId: plan,
        status: 'pending',
        summaryId: null,
        emergency: { reason: 'payments outage hotfix', by: { name: 'admin' }, freezeId, at: clock.now().toISOString() },
      });
      expect(await planStatus(plan)).toBe('started');
      expect(await audit('plan.started', plan)).toEqual([
        expect.objectContaining({ actor_name: 'admin', reason: 'emergency: payments outage hotfix', after: expect.objectContaining({ emergency: started.emergency }) }),
      ]);
      // The rollout view carries the record, plus where the engine has got to.
      expect((await as(operator).get(`/api/v1/rollouts/${started.id}`).expect(200)).body).toMatchObject(started);
      expect((await as(operator).get(`/api/v1/rollouts?plan=${plan}`).expect(200)).body).toEqual([expect.objectContaining(started)]);

      const twice = await as(cp.adminToken).post(`/api/v1/plans/${plan}/start`, { emergency: { reason: 'again' } }).expect(409);
      expect(twice.body.error).toBe('PLAN_ALREADY_STARTED');
    });

    it('starts an approved or scheduled plan outside a freeze, and refuses other states', async () => {
      clock.advance(HOUR);
      const plan = await db.plan(engineer.id, ['mail']);
      const started = (await as(operator).post(`/api/v1/plans/${plan}/start`).expect(201)).body as RolloutRecord;
      expect(started).toMatchObject({ planId: plan, emergency: null, startedBy: expect.any(String) });
      expect(await audit('plan.started', plan)).toEqual([expect.objectContaining({ actor_name: 'otto', reason: 'started by hand' })]);

      const draft = await db.plan(engineer.id, ['mail'], 'draft');
      expect((await as(dispatcher).post(`/api/v1/plans/${draft}/start`).expect(409)).body.error).toBe('PLAN_NOT_STARTABLE');
      await as(dispatcher).post('/api/v1/plans/6f1d3c1e-0000-4000-8000-000000000000/start').expect(404);
      await as(dispatcher).post(`/api/v1/plans/${plan}/start`, { emergency: { reason: '' } }).expect(400);
      await as(operator).get('/api/v1/rollouts/6f1d3c1e-0000-4000-8000-000000000000').expect(404);
      expect(freezeId).toBeDefined();
    });
  });
});
