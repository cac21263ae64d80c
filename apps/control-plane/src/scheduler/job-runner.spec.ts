// The job queue on real PostgreSQL with the real migrations: idempotent enqueue, claims
// that skip locked rows, handlers inside the claiming transaction, failures retried.
import type { EntityManager } from 'typeorm';
import { DataSource } from 'typeorm';
import { JOB_MAX_ATTEMPTS } from '../../../../libs/domain/src/job-retry.js';
import { startTestControlPlane, type TestControlPlane } from '../../../../test/support/control-plane.js';
import { ManualClock } from '../../../../test/support/manual-clock.js';
import { JobHandlerRegistry, type JobOutcome } from './job-handlers.js';
import { JobRunner } from './job-runner.js';
import { JobRepository, type Job } from './job.repository.js';
import { SchedulerPoller } from './scheduler.poller.js';

describe('job runner', () => {
  const clock = new ManualClock('2026-12-01T10:00:00Z');
  let cp: TestControlPlane;
  let db: DataSource;
  let jobs: JobRepository;
  let runner: JobRunner;
  const calls: string[] = [];
  let behaviour: (tx: EntityManager, job: Job) => Promise<JobOutcome>;

  beforeAll(async () => {
    cp = await startTestControlPlane({}, clock);
    // The test drives the runner itself; the poller would race it for the same jobs.
    await cp.plane.app.get(SchedulerPoller).beforeApplicationShutdown();
    db = cp.plane.app.get(DataSource);
    jobs = cp.plane.app.get(JobRepository);
    runner = cp.plane.app.get(JobRunner);
    cp.plane.app.get(JobHandlerRegistry).register('test.job', {
      handle: async (tx, job) => {
        calls.push(job.key);
        return behaviour(tx, job);
      },
    });
  });
  afterAll(() => cp?.close());
  beforeEach(() => {
    calls.length = 0;
    behaviour = async () => ({ kind: 'done' });
  });

  const enqueue = (key: string, runAt = clock.now()) =>
    db.transaction((tx) => jobs.enqueue(tx, { kind: 'test.job', key, runAt, payload: { key } }));

  it('enqueues a key once, and runs a job only once it is due', async () => {
    expect(await enqueue('once', new Date(clock.now().getTime() + 1000))).toBe(true);
    expect(await enqueue('once')).toBe(false);
    expect(await runner.runDue()).toBe(0);
    clock.advance(1000);
    expect(await runner.runDue()).toBe(1);
    expect(calls).toEqual(['once']);
    expect(await jobs.findByKey('once')).toMatchObject({ status: 'done', attempts: 0, finishedAt: clock.now() });
    expect(await runner.runDue()).toBe(0);
  });

  it('never hands one job to two claimers at once', async () => {
    await enqueue('contended-1');
    await enqueue('contended-2');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let firstClaim: Job[] = [];
    const first = db.transaction(async (tx) => {
      firstClaim = await jobs.claimDue(tx, clock.now(), 1);
      await held;
    });
    while (firstClaim.length === 0) await new Promise((r) => setTimeout(r, 10));
    const second = await db.transaction((tx) => jobs.claimDue(tx, clock.now(), 10));
    release();
    await first;
    expect(firstClaim.map((j) => j.key)).toEqual(['contended-1']);
    expect(second.map((j) => j.key)).toEqual(['contended-2']);
    await runner.runDue();
  });

  it('rolls back a failing handler, records the failure and retries later', async () => {
    behaviour = async (tx) => {
      await jobs.enqueue(tx, { kind: 'test.side-effect', key: 'side-effect', runAt: new Date('2100-01-01Z'), payload: {} });
      throw new Error('boom');
    };
    await enqueue('flaky');
    expect(await runner.runDue()).toBe(1);
    expect(await jobs.findByKey('side-effect')).toBeUndefined();
    expect(await jobs.findByKey('flaky')).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'boom',
      runAt: new Date(clock.now().getTime() + 1000),
    });
    expect(await runner.runDue()).toBe(0);

    behaviour = async () => ({ kind: 'done' });
    clock.advance(1000);
    expect(await runner.runDue()).toBe(1);
    expect(await jobs.findByKey('flaky')).toMatchObject({ status: 'done', attempts: 1 });
    expect(calls).toEqual(['flaky', 'flaky']);
  });

  it('gives a job up after the last attempt', async () => {
    behaviour = async () => {
      throw new Error('always');
    };
    await enqueue('hopeless');
    for (let attempt = 1; attempt <= JOB_MAX_ATTEMPTS; attempt++) {
      expect(await runner.runDue()).toBe(1);
      clock.advance(10 * 60_000);
    }
    expect(await jobs.findByKey('hopeless')).toMatchObject({ status: 'failed', attempts: JOB_MAX_ATTEMPTS, lastError: 'always' });
    expect(await runner.runDue()).toBe(0);
  });

  it('keeps a rescheduled job pending for its new time, without counting a failure', async () => {
    const later = new Date(clock.now().getTime() + 60_000);
    behaviour = async () => ({ kind: 'reschedule', runAt: later });
    await enqueue('later');
    expect(await runner.runDue()).toBe(1);
    expect(await jobs.findByKey('later')).toMatchObject({ status: 'pending', attempts: 0, runAt: later });
  });

  it('records an unknown kind as a failure, for a replica that knows it', async () => {
    await db.transaction((tx) => jobs.enqueue(tx, { kind: 'test.unknown', key: 'unknown', runAt: clock.now(), payload: {} }));
    expect(await runner.runDue()).toBe(1);
    expect(await jobs.findByKey('unknown')).toMatchObject({ status: 'pending', attempts: 1, lastError: 'no handler for job kind test.unknown' });
  });
});
