// Moves a published summary forward, for both its window-start job and the jobs its
// ending rollouts enqueue: recompute from the rollouts what to start next (pure), and
// do it unless a freeze covers now, in which case record why and run again at its end.
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { frozenUntil } from '../../../../libs/domain/src/freeze.js';
import { nextSummaryStep, planProgress, startGroups } from '../../../../libs/domain/src/schedule.js';
import { AuditLogRepository, SYSTEM_ACTOR } from '../audit/audit-log.repository.js';
import { FreezeRepository } from '../freezes/freeze.repository.js';
import { PlanLaunchRepository } from '../rollouts/plan-launch.repository.js';
import { PlanStarter } from '../rollouts/plan-starter.js';
import { RolloutRepository } from '../rollouts/rollout.repository.js';
import { SummaryRepository } from '../summaries/summary.repository.js';
import { JobHandlerRegistry, type JobHandler, type JobOutcome } from './job-handlers.js';
import { JobKind, SummaryJobPayload } from './job-kinds.js';
import type { Job } from './job.repository.js';

const DONE: JobOutcome = { kind: 'done' };

@Injectable()
export class SummaryAdvanceHandler implements JobHandler, OnModuleInit {
  constructor(
    private readonly registry: JobHandlerRegistry,
    private readonly summaries: SummaryRepository,
    private readonly plans: PlanLaunchRepository,
    private readonly rollouts: RolloutRepository,
    private readonly freezes: FreezeRepository,
    private readonly starter: PlanStarter,
    private readonly audit: AuditLogRepository,
  ) {}

  onModuleInit(): void {
    this.registry.register(JobKind.SummaryWindowStart, this);
    this.registry.register(JobKind.SummaryNextGroup, this);
  }

  async handle(tx: EntityManager, job: Job, now: Date): Promise<JobOutcome> {
    const { summaryId } = SummaryJobPayload.parse(job.payload);
    // The summary's row lock serialises every job of one summary across replicas.
    const summary = await this.summaries.find(summaryId, tx, true);
    if (!summary || summary.status !== 'published') return DONE;

    const planIds = summary.plans.map((p) => p.planId);
    const plans = await this.plans.lockMany(tx, planIds);
    const rollouts = await this.rollouts.statusByPlan(tx, planIds);
    const groups = startGroups(summary.plans).map((group) => group.map((entry) => entry.planId));
    const step = nextSummaryStep(groups, (id) => planProgress(plans.get(id)?.status ?? 'cancelled', rollouts.get(id)));
    const entity = { entityType: 'summary', entityId: summaryId, at: now, actor: SYSTEM_ACTOR };

    switch (step.kind) {
      case 'wait':
        return DONE;
      case 'halt':
        await this.audit.record(tx, {
          ...entity,
          action: 'summary.halted',
          after: { group: step.group, planId: step.planId, rolloutStatus: rollouts.get(step.planId) },
          reason: step.reason,
        });
        return DONE;
      case 'complete':
        await this.summaries.setStatus(tx, summaryId, 'completed');
        await this.audit.record(tx, { ...entity, action: 'summary.completed', before: { status: 'published' }, after: { status: 'completed' } });
        return DONE;
      case 'start': {
        const frozen = frozenUntil(await this.freezes.endingAfter(now, tx), now);
        if (frozen) {
          for (const planId of step.planIds) {
            await this.audit.record(tx, {
              ...entity,
              action: 'plan.start-deferred',
              entityType: 'plan',
              entityId: planId,
              planId,
              after: { summaryId, group: step.group, freezeId: frozen.freeze.id, deferredUntil: frozen.until.toISOString() },
              reason: `freeze ${frozen.freeze.id} until ${frozen.until.toISOString()}: ${frozen.freeze.reason}`,
            });
          }
          return { kind: 'reschedule', runAt: frozen.until };
        }
        const reason = job.kind === JobKind.SummaryWindowStart ? 'summary window start' : 'previous group succeeded';
        for (const planId of step.planIds) {
          await this.starter.start(tx, { plan: plans.get(planId)!, summaryId, actor: SYSTEM_ACTOR, emergency: null, reason, now });
        }
        return DONE;
      }
    }
  }
}
