// Runs due jobs, one transaction each: claim (FOR UPDATE SKIP LOCKED), run the handler
// in that transaction, mark the job done. A failing handler's work is rolled back to a
// savepoint and the failure recorded on the job, still under its lock, for a later retry.
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { afterJobFailure } from '../../../../libs/domain/src/job-retry.js';
import { Clock } from '../common/clock.js';
import { DashboardPublisher } from '../dashboard/dashboard-publisher.js';
import { JobHandlerRegistry } from './job-handlers.js';
import { JobRepository, type Job } from './job.repository.js';

@Injectable()
export class JobRunner {
  private readonly logger = new Logger(JobRunner.name);

  constructor(
    private readonly db: DataSource,
    private readonly jobs: JobRepository,
    private readonly handlers: JobHandlerRegistry,
    private readonly publisher: DashboardPublisher,
    private readonly clock: Clock,
  ) {}

  /** Runs jobs due now until none is left or `limit` have run; returns how many ran. */
  async runDue(limit = 50): Promise<number> {
    let ran = 0;
    while (ran < limit && (await this.runOne())) ran++;
    if (ran > 0) this.publisher.poke();
    return ran;
  }

  private runOne(): Promise<boolean> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const [job] = await this.jobs.claimDue(tx, now, 1);
      if (!job) return false;
      await tx.query('SAVEPOINT job_handler');
      try {
        const handler = this.handlers.get(job.kind);
        if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
        const outcome = await handler.handle(tx, job, now);
        if (outcome.kind === 'reschedule') await this.jobs.reschedule(tx, job.id, outcome.runAt);
        else await this.jobs.markDone(tx, job.id, now);
      } catch (error) {
        await tx.query('ROLLBACK TO SAVEPOINT job_handler');
        await this.recordFailure(tx, job, error, now);
      }
      return true;
    });
  }

  private async recordFailure(tx: EntityManager, job: Job, error: unknown, now: Date): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    const next = afterJobFailure(job.attempts + 1, now);
    const retryAt = next.kind === 'retry' ? next.runAt : null;
    this.logger.warn(`job ${job.key} (${job.kind}) failed, attempt ${job.attempts + 1}: ${message}; ${retryAt ? `retry at ${retryAt.toISOString()}` : 'giving up'}`);
    await this.jobs.recordFailure(tx, job.id, message, retryAt, now);
  }
}
