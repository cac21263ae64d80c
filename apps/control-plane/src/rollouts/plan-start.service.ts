// Starting a plan by hand. Refused inside a freeze unless an admin declares an
// emergency, which is recorded on the rollout and in the audit log.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { freezeAt, Frozen } from '../../../../libs/domain/src/freeze.js';
import { Conflict, DomainError, NotFound } from '../../../../libs/domain/src/index.js';
import type { EmergencyStart, RolloutRecord, StartPlanRequest } from '../../../../libs/protocol/src/index.js';
import { actorOf } from '../audit/actor.js';
import type { Principal } from '../auth/principal.js';
import { Clock } from '../common/clock.js';
import { DashboardPublisher } from '../dashboard/dashboard-publisher.js';
import { FreezeRepository } from '../freezes/freeze.repository.js';
import { PlanLaunchRepository } from './plan-launch.repository.js';
import { PlanStarter } from './plan-starter.js';

@Injectable()
export class PlanStartService {
  constructor(
    private readonly db: DataSource,
    private readonly plans: PlanLaunchRepository,
    private readonly freezes: FreezeRepository,
    private readonly starter: PlanStarter,
    private readonly publisher: DashboardPublisher,
    private readonly clock: Clock,
  ) {}

  async start(planId: string, request: StartPlanRequest, principal: Principal): Promise<RolloutRecord> {
    if (request.emergency && !principal.roles.includes('admin')) {
      throw new DomainError('forbidden', 'EMERGENCY_NEEDS_ADMIN', `an emergency start needs the role admin; ${principal.userName} has ${principal.roles.join(', ') || 'none'}`);
    }
    const now = this.clock.now();
    const rollout = await this.db.transaction(async (tx) => {
      const plan = await this.plans.find(planId, tx, true);
      if (!plan) throw new NotFound('plan', planId);
      if (plan.status === 'started') throw new Conflict('PLAN_ALREADY_STARTED', `plan ${planId} has already started`);
      const freeze = freezeAt(await this.freezes.endingAfter(now, tx), now);
      if (freeze && !request.emergency) throw new Frozen(freeze);
      const emergency: EmergencyStart | null = request.emergency
        ? { reason: request.emergency.reason, by: { id: principal.userId, name: principal.userName }, freezeId: freeze?.id ?? null, at: now.toISOString() }
        : null;
      return this.starter.start(tx, {
        plan,
        summaryId: await this.plans.publishedSummaryOf(tx, planId),
        actor: actorOf(principal),
        emergency,
        reason: emergency ? `emergency: ${emergency.reason}` : 'started by hand',
        now,
      });
    });
    this.publisher.poke();
    return rollout;
  }
}
