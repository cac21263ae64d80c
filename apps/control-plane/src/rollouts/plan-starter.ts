// Starting a plan, inside the caller's transaction: the rollout record (at most one per
// plan), the plan `started`, the audit entry and the `plan:started` event commit together.
// Who may start and when (freezes, summaries) is decided by the callers.
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Conflict, STARTABLE_PLAN_STATUSES } from '../../../../libs/domain/src/index.js';
import { DashboardEvent, type EmergencyStart, type RolloutRecord } from '../../../../libs/protocol/src/index.js';
import { AuditLogRepository, type Actor } from '../audit/audit-log.repository.js';
import { EventOutboxRepository } from '../dashboard/event-outbox.repository.js';
import type { LaunchPlan } from './plan-launch.repository.js';
import { PlanLaunchRepository } from './plan-launch.repository.js';
import { RolloutRepository } from './rollout.repository.js';

export interface PlanStart {
  /** Locked by the caller, so its status is current. */
  plan: LaunchPlan;
  summaryId: string | null;
  actor: Actor;
  emergency: EmergencyStart | null;
  /** Why it starts now: the summary window, the previous group, a person. */
  reason: string;
  now: Date;
}

@Injectable()
export class PlanStarter {
  constructor(
    private readonly plans: PlanLaunchRepository,
    private readonly rollouts: RolloutRepository,
    private readonly audit: AuditLogRepository,
    private readonly outbox: EventOutboxRepository,
  ) {}

  async start(tx: EntityManager, start: PlanStart): Promise<RolloutRecord> {
    const { plan, now } = start;
    if (!(STARTABLE_PLAN_STATUSES as readonly string[]).includes(plan.status)) {
      throw new Conflict('PLAN_NOT_STARTABLE', `plan ${plan.id} is ${plan.status}; only an approved or scheduled plan can start`);
    }
    const rollout = await this.rollouts.insertIfAbsent(tx, {
      planId: plan.id,
      summaryId: start.summaryId,
      startedBy: start.actor.id,
      emergency: start.emergency,
      now,
    });
    if (!rollout) throw new Conflict('PLAN_ALREADY_STARTED', `plan ${plan.id} has already started`);
    await this.plans.setStatus(tx, plan.id, 'started', now);
    await this.audit.record(tx, {
      actor: start.actor,
      action: 'plan.started',
      entityType: 'plan',
      entityId: plan.id,
      planId: plan.id,
      before: { status: plan.status },
      after: { status: 'started', rolloutId: rollout.id, summaryId: start.summaryId, emergency: start.emergency },
      reason: start.reason,
      at: now,
    });
    await this.outbox.append(tx, DashboardEvent.PlanStarted, { planId: plan.id, rollout });
    return rollout;
  }
}
