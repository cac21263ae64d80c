// What the scheduler needs to hear from the rollout engine: a rollout has ended, so the
// next group of its summary may be due. The job recomputes what to start from the
// rollouts' statuses, so hearing this twice, or for a rollout of a running group, is harmless.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { NotFound } from '../../../../libs/domain/src/index.js';
import { Clock } from '../common/clock.js';
import { JobKind, summaryNextGroupKey, type SummaryJobPayload } from '../scheduler/job-kinds.js';
import { JobRepository } from '../scheduler/job.repository.js';
import { RolloutRepository } from './rollout.repository.js';

@Injectable()
export class RolloutLifecycle {
  constructor(
    private readonly db: DataSource,
    private readonly rollouts: RolloutRepository,
    private readonly jobs: JobRepository,
    private readonly clock: Clock,
  ) {}

  /** Call in the transaction that records the rollout's end, or alone after it. */
  async onRolloutFinished(rolloutId: string, tx?: EntityManager): Promise<void> {
    if (!tx) return this.db.transaction((own) => this.onRolloutFinished(rolloutId, own));
    const rollout = await this.rollouts.find(rolloutId, tx, { spec: false, state: false });
    if (!rollout) throw new NotFound('rollout', rolloutId);
    if (!rollout.summaryId) return;
    const payload: SummaryJobPayload = { summaryId: rollout.summaryId };
    await this.jobs.enqueue(tx, {
      kind: JobKind.SummaryNextGroup,
      key: summaryNextGroupKey(rollout.summaryId, rollout.id),
      runAt: this.clock.now(),
      payload,
    });
  }
}
