// The launch plan's life through its gates. Each action: lock the plan, let the pure
// state machine decide, then write the plan, the audit entry and the dashboard event
// in one transaction.
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  contentHash,
  decidePlan,
  DomainError,
  isLateReviewRequest,
  NotFound,
  reviewCutoff,
  type PlanAction,
  type PlanGateState,
} from '../../../../libs/domain/src/index.js';
import { DashboardEvent, type Gate, type GateDecisionBody, type PlanView } from '../../../../libs/protocol/src/index.js';
import { actorOf } from '../audit/actor.js';
import { AuditLogRepository } from '../audit/audit-log.repository.js';
import type { Principal } from '../auth/principal.js';
import { Clock } from '../common/clock.js';
import { CONFIG } from '../common/core.module.js';
import type { Config } from '../config/config.js';
import { DashboardPublisher } from '../dashboard/dashboard-publisher.js';
import { EventOutboxRepository } from '../dashboard/event-outbox.repository.js';
import { parsePlanSpec, readPlanBody } from './plan-input.js';
import { PlanRepository, type PlanFilter, type PlanRecord } from './plan.repository.js';
import { YamlPlanParser } from './yaml-plan-parser.js';
import { toPlanSummary, toPlanView } from './plan-view.js';

@Injectable()
export class PlanService {
  constructor(
    private readonly db: DataSource,
    private readonly plans: PlanRepository,
    private readonly audit: AuditLogRepository,
    private readonly outbox: EventOutboxRepository,
    private readonly publisher: DashboardPublisher,
    private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: Config,
    private readonly yaml: YamlPlanParser,
  ) {}

  async create(principal: Principal, body: unknown): Promise<PlanView> {
    const input = await readPlanBody(body, this.yaml);
    const now = this.clock.now();
    const view = await this.db.transaction(async (tx) => {
      const spec = parsePlanSpec(input, await this.plans.fleetContext(tx));
      const id = await this.plans.insert(
        tx,
        {
          title: spec.title,
          authorId: principal.userId,
          status: 'draft',
          spec,
          contentHash: contentHash(spec),
          revision: 1,
          plannedLaunchAt: new Date(spec.plannedLaunchAt),
          reviewRequestedAt: null,
          delayOverride: null,
          rejection: null,
        },
        now,
      );
      return this.record(tx, id, principal, 'plan.created', DashboardEvent.PlanCreated, undefined);
    });
    this.publisher.poke();
    return view;
  }

  async update(id: string, principal: Principal, body: unknown): Promise<PlanView> {
    const input = await readPlanBody(body, this.yaml);
    return this.change(id, principal, 'plan.edited', async (tx, plan) => {
      requireAuthorOrAdmin(plan, principal, 'edit');
      const spec = parsePlanSpec(input, await this.plans.fleetContext(tx));
      const next = this.decide(plan, [], { type: 'edit', contentHash: contentHash(spec) });
      return { ...plan, ...next, title: spec.title, spec, plannedLaunchAt: new Date(spec.plannedLaunchAt) };
    });
  }

  requestReview(id: string, principal: Principal): Promise<PlanView> {
    return this.change(id, principal, 'plan.review-requested', async (_tx, plan) => {
      requireAuthorOrAdmin(plan, principal, 'request the review of');
      const now = this.clock.now();
      const late = isLateReviewRequest(now, this.cutoffOf(plan));
      return { ...plan, ...this.decide(plan, [], { type: 'request-review', late }), reviewRequestedAt: now, rejection: null };
    });
  }

  overrideDelay(id: string, principal: Principal, reason: string): Promise<PlanView> {
    return this.change(
      id,
      principal,
      'plan.delay-overridden',
      async (_tx, plan) => ({
        ...plan,
        ...this.decide(plan, [], { type: 'override-delay' }),
        delayOverride: { by: principal.userName, reason, at: this.clock.now().toISOString() },
      }),
      reason,
    );
  }

  sign(id: string, gate: Gate, principal: Principal, body: GateDecisionBody): Promise<PlanView> {
    return this.change(
      id,
      principal,
      `gate.${body.decision === 'approve' ? 'approved' : 'rejected'}`,
      async (tx, plan) => {
        const signatures = await this.plans.signatures(plan.id, tx);
        const signer = { id: principal.userId, roles: principal.roles };
        const next = this.decide(plan, signatures, { type: 'sign', gate, decision: body.decision, signer });
        await this.plans.insertSignature(tx, plan.id, {
          ...next.signatures.at(-1)!,
          comment: body.comment,
          signedAt: this.clock.now(),
        });
        const rejection =
          body.decision === 'reject'
            ? { gate, by: principal.userName, comment: body.comment, at: this.clock.now().toISOString() }
            : plan.rejection;
        return { ...plan, status: next.status, rejection };
      },
      body.comment || null,
    );
  }

  async get(id: string): Promise<PlanView> {
    const plan = await this.plans.find(id);
    if (!plan) throw new NotFound('plan', id);
    return toPlanView(plan, await this.plans.signatures(id), this.cutoffSettings());
  }

  async list(filter: PlanFilter): Promise<PlanView[]> {
    const plans = await this.plans.list(filter);
    return Promise.all(plans.map(async (plan) => toPlanView(plan, await this.plans.signatures(plan.id), this.cutoffSettings())));
  }

  private decide(plan: PlanRecord, signatures: PlanGateState['signatures'], action: PlanAction): PlanGateState {
    const state: PlanGateState = {
      status: plan.status,
      authorId: plan.authorId,
      contentHash: plan.contentHash,
      revision: plan.revision,
      signatures,
    };
    return decidePlan(state, action);
  }

  private async change(
    id: string,
    principal: Principal,
    action: string,
    work: (tx: EntityManager, plan: PlanRecord) => Promise<PlanRecord>,
    reason: string | null = null,
  ): Promise<PlanView> {
    const view = await this.db.transaction(async (tx) => {
      const plan = await this.plans.find(id, tx, true);
      if (!plan) throw new NotFound('plan', id);
      const before = toPlanSummary(toPlanView(plan, await this.plans.signatures(id, tx), this.cutoffSettings()));
      const next = await work(tx, plan);
      await this.plans.update(tx, next, this.clock.now());
      return this.record(tx, id, principal, action, DashboardEvent.PlanUpdated, before, reason);
    });
    this.publisher.poke();
    return view;
  }

  /** Audits the change and appends its dashboard event; returns the plan as it now is. */
  private async record(
    tx: EntityManager,
    id: string,
    principal: Principal,
    action: string,
    event: typeof DashboardEvent.PlanCreated | typeof DashboardEvent.PlanUpdated,
    before: unknown,
    reason: string | null = null,
  ): Promise<PlanView> {
    const view = toPlanView((await this.plans.find(id, tx))!, await this.plans.signatures(id, tx), this.cutoffSettings());
    const after = toPlanSummary(view);
    await this.audit.record(tx, {
      actor: actorOf(principal),
      action,
      entityType: 'plan',
      entityId: id,
      planId: id,
      before,
      after,
      reason,
      at: this.clock.now(),
    });
    await this.outbox.append(tx, event, { plan: after });
    return view;
  }

  private cutoffOf(plan: PlanRecord): Date {
    return reviewCutoff(plan.plannedLaunchAt, this.config.reviewCutoffHour, this.config.timeZone);
  }

  private cutoffSettings() {
    return { hour: this.config.reviewCutoffHour, timeZone: this.config.timeZone };
  }
}

function requireAuthorOrAdmin(plan: PlanRecord, principal: Principal, what: string): void {
  if (plan.authorId !== principal.userId && !principal.roles.includes('admin')) {
    throw new DomainError('forbidden', 'NOT_PLAN_AUTHOR', `only the plan's author (${plan.authorName}) or an admin may ${what} it`);
  }
}
