// The seed's process end to end, through the API only: a plan is drafted, reviewed,
// tested, approved by the supervisor and the dispatcher, ordered into a launch summary,
// published, and started by the scheduler when the window opens (clock injected);
// every wrong move on the way is refused.
import { readFile } from 'node:fs/promises';
import { createUserWithToken, queryDatabase } from './support/api.js';
import { startTestControlPlane, type TestControlPlane } from './support/control-plane.js';
import { connectDashboard, type DashboardClient } from './support/dashboard-client.js';
import { createFleet, type Fleet } from './support/fleet-fixtures.js';
import { ManualClock } from './support/manual-clock.js';
import { waitFor } from './support/wait.js';

const MONDAY = '2026-11-30T09:00:00Z'; // the example plan launches Thursday 2026-12-03
const WINDOW = { start: '2026-12-03T02:00:00Z', end: '2026-12-03T06:00:00Z' };

describe('the release process, from launch plan to a started rollout', () => {
  const clock = new ManualClock(MONDAY);
  let cp: TestControlPlane;
  let fleet: Fleet;
  let dashboard: DashboardClient;
  let planFile: string;
  const token: Record<string, string> = {};
  const as = (user: string) => ({ Authorization: `Bearer ${token[user]}` });

  beforeAll(async () => {
    cp = await startTestControlPlane({}, clock);
    token.admin = cp.adminToken;
    const people = { paul: ['engineer', 'reviewer'], rita: ['reviewer'], quinn: ['qa'], sam: ['supervisor'], dora: ['dispatcher'] };
    for (const [name, roles] of Object.entries(people)) token[name] = await createUserWithToken(cp, name, roles);
    fleet = await createFleet(cp, {
      datacenters: ['tc', 'yf'],
      services: [
        { name: 'web', role: 'frontend', configs: 1 },
        { name: 'worker', role: 'processor' },
      ],
      hosts: [
        { hostname: 'rp-tc-1', datacenter: 'tc' },
        { hostname: 'rp-yf-1', datacenter: 'yf' },
        { hostname: 'rp-tc-preview', datacenter: 'tc', pool: 'preview' },
      ],
    });
    planFile = await readFile(new URL('../examples/plan.yaml', import.meta.url), 'utf8');
    dashboard = await connectDashboard(cp.url, cp.adminToken);
  });
  afterAll(async () => {
    dashboard?.close();
    fleet?.close();
    await cp?.close();
  });

  const submit = async (yaml = planFile) =>
    (await cp.http().post('/api/v1/plans').set(as('paul')).set('Content-Type', 'application/yaml').send(yaml).expect(201)).body;
  const sign = (user: string, planId: string, gate: string, status = 200) =>
    cp.http().post(`/api/v1/plans/${planId}/gates/${gate}`).set(as(user)).send({ decision: 'approve', comment: `${gate} ok` }).expect(status);
  const signAll = async (planId: string) => {
    await sign('rita', planId, 'code_review');
    await sign('quinn', planId, 'qa');
    await sign('sam', planId, 'supervisor');
    return (await sign('dora', planId, 'dispatcher')).body;
  };

  it('takes a plan through its gates, a summary and the window start, refusing every wrong move', async () => {
    // 1. Draft, and code review requested before the cutoff.
    const plan = await submit();
    expect(plan.status).toBe('draft');
    await cp.http().post(`/api/v1/plans/${plan.id}/review-request`).set(as('paul')).expect(200);

    // The author may not approve their own plan, even holding the reviewer role.
    expect((await sign('paul', plan.id, 'code_review', 403)).body.error).toBe('AUTHOR_CANNOT_SIGN');
    // QA may not sign the code-review gate.
    expect((await sign('quinn', plan.id, 'code_review', 403)).body.error).toBe('GATE_ROLE_REQUIRED');

    // 2-3. Code review, QA, supervisor and dispatcher sign off.
    expect((await signAll(plan.id)).status).toBe('approved');

    // An edit after sign-off clears the signatures; they are given again.
    const edited = await cp
      .http()
      .put(`/api/v1/plans/${plan.id}`)
      .set(as('paul'))
      .send({ ...plan.spec, description: `${plan.spec.description}\nAlso logs the retry count.` })
      .expect(200);
    expect(edited.body).toMatchObject({ status: 'in_review', gates: { code_review: 'pending', dispatcher: 'pending' } });
    expect((await signAll(plan.id)).status).toBe('approved');

    // A second plan whose review is requested after the cutoff is delayed.
    const late = await submit(planFile.replace('title: Checkout', 'title: Late checkout'));
    clock.set('2026-12-02T18:30:00Z');
    const delayed = await cp.http().post(`/api/v1/plans/${late.id}/review-request`).set(as('paul')).expect(200);
    expect(delayed.body.status).toBe('delayed');

    // 4. The dispatcher's summary for the window; publishing schedules the plan.
    const summary = await cp
      .http()
      .post('/api/v1/summaries')
      .set(as('dora'))
      .send({ title: 'Thursday release', window: WINDOW, plans: [{ planId: plan.id, mergeOrder: 1, packageOrder: 1, rollbackOrder: 1 }] })
      .expect(201);
    await cp.http().post('/api/v1/summaries').set(as('paul')).send({ title: 'x', window: WINDOW, plans: [] }).expect(403);
    await cp.http().post(`/api/v1/summaries/${summary.body.id}/publish`).set(as('dora')).expect(200);
    expect((await cp.http().get(`/api/v1/plans/${plan.id}`).set(as('dora')).expect(200)).body.status).toBe('scheduled');
    await dashboard.waitForChange('summary published', (_change, type) => type === 'summary:published');

    // A start inside a freeze is refused.
    await cp
      .http()
      .post('/api/v1/freezes')
      .set(as('admin'))
      .send({ startsAt: '2026-12-02T20:00:00Z', endsAt: '2026-12-02T23:00:00Z', reason: 'payments provider maintenance' })
      .expect(201);
    clock.set('2026-12-02T21:00:00Z');
    const frozen = await cp.http().post(`/api/v1/plans/${plan.id}/start`).set(as('dora')).send({}).expect(409);
    expect(frozen.body.error).toBe('FROZEN');
    expect(await queryDatabase(cp, 'SELECT * FROM rollouts WHERE plan_id = $1', [plan.id])).toEqual([]);

    // Nothing starts before the window; at the window's start the scheduler starts the plan.
    clock.set('2026-12-03T01:59:00Z');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await queryDatabase(cp, 'SELECT * FROM rollouts WHERE plan_id = $1', [plan.id])).toEqual([]);
    clock.set(WINDOW.start);
    const [rollout] = await waitFor(
      async () => {
        const rows = await queryDatabase<{ id: string; status: string; summary_id: string }>(cp, 'SELECT * FROM rollouts WHERE plan_id = $1', [plan.id]);
        return rows.length > 0 ? rows : undefined;
      },
      { description: 'the rollout record created at the window start' },
    );
    // The rollout engine may already have picked it up.
    expect(rollout).toMatchObject({ status: expect.stringMatching(/^(pending|running)$/), summary_id: summary.body.id });
    expect((await cp.http().get(`/api/v1/plans/${plan.id}`).set(as('dora')).expect(200)).body.status).toBe('started');
    await cp.http().get(`/api/v1/rollouts/${rollout.id}`).set(as('dora')).expect(200);

    // Every step is in the audit log, with who did it.
    const audit = await cp.http().get(`/api/v1/audit?plan=${plan.id}&limit=1000`).set(as('dora')).expect(200);
    const trail = (audit.body as { actor: string; action: string }[]).map((entry) => `${entry.actor}:${entry.action}`);
    expect(trail).toEqual(
      expect.arrayContaining([
        'paul:plan.created',
        'paul:plan.review-requested',
        'rita:gate.approved',
        'dora:gate.approved',
        'paul:plan.edited',
        'tarmac:plan.started',
      ]),
    );
    expect(trail.indexOf('paul:plan.edited')).toBeLessThan(trail.indexOf('tarmac:plan.started'));
  });
});
