// The schedule survives the control plane: what was published before a stop starts
// after a restart, exactly once; and two control planes on one database never start a
// plan twice.
import { RolloutLifecycle } from '../apps/control-plane/src/rollouts/rollout-lifecycle.service.js';
import { JobRunner } from '../apps/control-plane/src/scheduler/job-runner.js';
import { startTestControlPlane, type TestControlPlane } from './support/control-plane.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { ManualClock } from './support/manual-clock.js';
import { ReleaseFixtures } from './support/release-fixtures.js';
import { waitFor } from './support/wait.js';

const HOUR = 3600_000;
const T0 = '2026-12-01T10:00:00Z';

interface Published {
  summaryId: string;
  planIds: string[];
}

/** Publishes a summary of `groups` (each a list of services, one plan per service) through the API. */
async function publishSummary(cp: TestControlPlane, db: ReleaseFixtures, dispatcherToken: string, authorId: string, windowStart: Date, services: string[][]): Promise<Published> {
  const entries: object[] = [];
  const planIds: string[] = [];
  for (const group of services) {
    for (const [i, service] of group.entries()) {
      const planId = await db.plan(authorId, [service]);
      planIds.push(planId);
      const order = planIds.length;
      entries.push({ planId, mergeOrder: order, packageOrder: order, rollbackOrder: order, withPrevious: i > 0 });
    }
  }
  const auth = { Authorization: `Bearer ${dispatcherToken}` };
  const window = { start: windowStart.toISOString(), end: new Date(windowStart.getTime() + 4 * HOUR).toISOString() };
  const { body } = await cp.http().post('/api/v1/summaries').set(auth).send({ title: 'durable', window, plans: entries }).expect(201);
  await cp.http().post(`/api/v1/summaries/${body.id}/publish`).set(auth).expect(200);
  return { summaryId: body.id, planIds };
}

async function startsPerPlan(db: ReleaseFixtures, planIds: string[]) {
  const rollouts = await db.query<{ plan_id: string; n: number }>(
    'SELECT plan_id, count(*)::int AS n FROM rollouts WHERE plan_id = ANY($1::uuid[]) GROUP BY plan_id',
    [planIds],
  );
  const audits = await db.query<{ plan_id: string; n: number }>(
    `SELECT plan_id, count(*)::int AS n FROM audit_log WHERE action = 'plan.started' AND plan_id = ANY($1::uuid[]) GROUP BY plan_id`,
    [planIds],
  );
  const count = (rows: { plan_id: string; n: number }[]) => Object.fromEntries(planIds.map((id) => [id, rows.find((r) => r.plan_id === id)?.n ?? 0]));
  return { rollouts: count(rollouts), audits: count(audits) };
}

describe('scheduler durability', () => {
  let database: TestDatabase;
  let db: ReleaseFixtures;
  const planes: TestControlPlane[] = [];

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(planes.splice(0).map((plane) => plane.close().catch(() => undefined)));
    await db?.close().catch(() => undefined);
    await database.drop();
  });

  const start = async (clock: ManualClock) => {
    const plane = await startTestControlPlane({}, clock, { database });
    planes.push(plane);
    return plane;
  };

  it('starts, after a restart, what was published before the stop, each plan exactly once', async () => {
    // Given a summary published for a window an hour away, and the control plane stopped
    const before = new ManualClock(T0);
    const first = await start(before);
    db = await ReleaseFixtures.connect(database.url);
    const dispatcher = await db.user('dora', ['dispatcher']);
    const author = await db.user('eve', ['engineer']);
    const summary = await publishSummary(first, db, dispatcher.token, author.id, new Date(Date.parse(T0) + HOUR), [['web', 'api'], ['worker']]);
    await first.close();
    planes.splice(planes.indexOf(first), 1);
    expect(await startsPerPlan(db, summary.planIds)).toEqual({
      rollouts: Object.fromEntries(summary.planIds.map((id) => [id, 0])),
      audits: Object.fromEntries(summary.planIds.map((id) => [id, 0])),
    });

    // When a new control plane starts on the same database, its clock past the window start
    const after = new ManualClock(new Date(Date.parse(T0) + HOUR + 5 * 60_000));
    await start(after);

    // Then the first group starts, once per plan, and the second waits for it
    const [web, api, worker] = summary.planIds;
    await waitFor(async () => {
      const counts = await startsPerPlan(db, summary.planIds);
      return counts.rollouts[web] === 1 && counts.rollouts[api] === 1;
    }, { description: 'first group started after the restart' });
    await new Promise((resolve) => setTimeout(resolve, 1200)); // a few more poller passes
    expect(await startsPerPlan(db, summary.planIds)).toEqual({
      rollouts: { [web]: 1, [api]: 1, [worker]: 0 },
      audits: { [web]: 1, [api]: 1, [worker]: 0 },
    });
    expect(await db.query('SELECT status, attempts FROM jobs WHERE key = $1', [`summary-start:${summary.summaryId}`])).toEqual([{ status: 'done', attempts: 0 }]);
  });

  it('never starts a plan twice with two control planes polling one database', async () => {
    // Given two control planes on one database, and five summaries of two groups published for the same window
    const clockA = new ManualClock(T0);
    const clockB = new ManualClock(T0);
    const a = await start(clockA);
    const b = await start(clockB);
    db = await ReleaseFixtures.connect(database.url);
    const dispatcher = await db.user('dora', ['dispatcher']);
    const author = await db.user('eve', ['engineer']);
    const windowStart = new Date(Date.parse(T0) + HOUR);
    const summaries: Published[] = [];
    for (let i = 0; i < 5; i++) {
      const plane = i % 2 === 0 ? a : b;
      summaries.push(await publishSummary(plane, db, dispatcher.token, author.id, windowStart, [[`web-${i}`, `api-${i}`, `db-${i}`], [`worker-${i}`]]));
    }
    const planIds = summaries.flatMap((s) => s.planIds);
    const firstGroups = summaries.flatMap((s) => s.planIds.slice(0, 3));

    // When both pass the window start
    clockA.set(windowStart);
    clockB.set(windowStart);
    await waitFor(async () => (await db.query('SELECT 1 FROM rollouts')).length === firstGroups.length, {
      description: 'every first group started',
    });
    // and the first groups' rollouts all succeed, each reported to both planes: one
    // next-group job per rollout, all due at once, so both planes run several jobs of one summary concurrently
    const rollouts = await db.query<{ id: string }>('SELECT id FROM rollouts');
    for (const { id } of rollouts) await db.finishRollout(id, 'succeeded');
    await Promise.all(rollouts.flatMap(({ id }) => [a, b].map((plane) => plane.plane.app.get(RolloutLifecycle).onRolloutFinished(id))));
    await Promise.all([a, b].flatMap((plane) => [0, 1, 2].map(() => plane.plane.app.get(JobRunner).runDue())));
    await waitFor(async () => (await db.query('SELECT 1 FROM rollouts')).length === planIds.length, { description: 'every second group started' });
    await new Promise((resolve) => setTimeout(resolve, 1200));

    // Then every plan has exactly one rollout and one start in the audit log
    const ones = Object.fromEntries(planIds.map((id) => [id, 1]));
    expect(await startsPerPlan(db, planIds)).toEqual({ rollouts: ones, audits: ones });
    // and no job even tried a second start (the unique rollout would have failed it)
    expect(await db.query(`SELECT count(*)::int AS n FROM jobs WHERE status <> 'done' OR attempts > 0`)).toEqual([{ n: 0 }]);
  });
});
