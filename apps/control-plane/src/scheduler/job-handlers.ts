// The handler for each job kind. Handlers register themselves at module init, so the
// scheduler core knows nothing about summaries or rollouts.
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Job } from './job.repository.js';

/** What a handler decided: the job is finished, or must run again later (not a failure). */
export type JobOutcome = { kind: 'done' } | { kind: 'reschedule'; runAt: Date };

export interface JobHandler {
  /** Runs inside the transaction that claimed the job; throw to fail the attempt. */
  handle(tx: EntityManager, job: Job, now: Date): Promise<JobOutcome>;
}

@Injectable()
export class JobHandlerRegistry {
  private readonly handlers = new Map<string, JobHandler>();

  register(kind: string, handler: JobHandler): void {
    if (this.handlers.has(kind)) throw new Error(`a handler for job kind ${kind} is already registered`);
    this.handlers.set(kind, handler);
  }

  get(kind: string): JobHandler | undefined {
    return this.handlers.get(kind);
  }
}
