// Launch summaries: the dispatcher's ordered bundle of approved plans for one window.
// Creating checks every rule at once; publishing freezes the summary, schedules its plans
// and enqueues the window-start job, with the audit entries and events in the same transaction.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Conflict, NotFound } from '../../../../libs/domain/src/index.js';
import {
  SummaryRejected,
  validateSummaryDraft,
  type PlanFacts,
  type SummaryEntryDraft,
} from '../../../../libs/domain/src/summary-rules.js';
import { DashboardEvent, type CreateSummaryRequest, type SummaryView } from '../../../../libs/protocol/src/index.js';
import { actorOf } from '../audit/actor.js';
import { AuditLogRepository } from '../audit/audit-log.repository.js';
import type { Principal } from '../auth/principal.js';
import { Clock } from '../common/clock.js';
import { DashboardPublisher } from '../dashboard/dashboard-publisher.js';
import { EventOutboxRepository } from '../dashboard/event-outbox.repository.js';
import { PlanLaunchRepository } from '../rollouts/plan-launch.repository.js';
import { JobKind, summaryStartKey, type SummaryJobPayload } from '../scheduler/job-kinds.js';
import { JobRepository } from '../scheduler/job.repository.js';
import { SummaryRepository } from './summary.repository.js';

@Injectable()
export class SummaryService {
  constructor(
    private readonly db: DataSource,
    private readonly summaries: SummaryRepository,
    private readonly plans: PlanLaunchRepository,
    private readonly jobs: JobRepository,
    private readonly audit: AuditLogRepository,
    private readonly outbox: EventOutboxRepository,
    private readonly publisher: DashboardPublisher,
    private readonly clock: Clock,
  ) {}

  list(): Promise<SummaryView[]> {
    return this.summaries.list();
  }

  async get(id: string): Promise<SummaryView> {
    const summary = await this.summaries.find(id);
    if (!summary) throw new NotFound('summary', id);
    return summary;
  }

  async create(request: CreateSummaryRequest, principal: Principal): Promise<SummaryView> {
    const now = this.clock.now();
    const window = { start: new Date(request.window.start), end: new Date(request.window.end) };
    const entries: SummaryEntryDraft[] = request.plans.map((entry, i) => ({
      planId: entry.planId,
      position: i + 1,
      mergeOrder: entry.mergeOrder,
      packageOrder: entry.packageOrder,
      rollbackOrder: entry.rollbackOrder,
      withPrevious: entry.withPrevious ?? false,
    }));
    const summary = await this.db.transaction(async (tx) => {
      // Locking the plans serialises two drafts naming the same plan.
      const facts = await this.planFacts(tx, entries.map((e) => e.planId));
      const problems = validateSummaryDraft({ window, entries }, facts);
      if (problems.length > 0) throw new SummaryRejected(problems);
      const created = await this.summaries.insert(tx, {
        title: request.title,
        window,
        notes: request.notes ?? '',
        createdBy: principal.userId,
        entries,
        now,
      });
      await this.audit.record(tx, {
        actor: actorOf(principal),
        action: 'summary.created',
        entityType: 'summary',
        entityId: created.id,
        after: created,
        at: now,
      });
      await this.outbox.append(tx, DashboardEvent.SummaryCreated, { summary: created });
      return created;
    });
    this.publisher.poke();
    return summary;
  }

  async publish(id: string, principal: Principal): Promise<SummaryView> {
    const now = this.clock.now();
    const published = await this.db.transaction(async (tx) => {
      const summary = await this.summaries.find(id, tx, true);
      if (!summary) throw new NotFound('summary', id);
      if (summary.status !== 'draft') throw new Conflict('SUMMARY_NOT_DRAFT', `summary ${id} is ${summary.status}; only a draft can be published`);
      const plans = await this.plans.lockMany(tx, summary.plans.map((p) => p.planId));
      const unready = summary.plans.filter((entry) => plans.get(entry.planId)?.status !== 'approved');
      if (unready.length > 0) {
        const list = unready.map((e) => `plan ${e.planId} is ${plans.get(e.planId)?.status ?? 'gone'}`).join('; ');
        throw new Conflict('PLAN_NOT_APPROVED', `every plan must still be approved to publish: ${list}`);
      }
      await this.summaries.setStatus(tx, id, 'published', now);
      for (const entry of summary.plans) {
        await this.plans.setStatus(tx, entry.planId, 'scheduled', now);
        await this.audit.record(tx, {
          actor: actorOf(principal),
          action: 'plan.scheduled',
          entityType: 'plan',
          entityId: entry.planId,
          planId: entry.planId,
          before: { status: 'approved' },
          after: { status: 'scheduled', summaryId: id, position: entry.position },
          at: now,
        });
        await this.outbox.append(tx, DashboardEvent.PlanScheduled, { planId: entry.planId, summaryId: id });
      }
      const payload: SummaryJobPayload = { summaryId: id };
      await this.jobs.enqueue(tx, { kind: JobKind.SummaryWindowStart, key: summaryStartKey(id), runAt: new Date(summary.window.start), payload });
      const after = (await this.summaries.find(id, tx))!;
      await this.audit.record(tx, {
        actor: actorOf(principal),
        action: 'summary.published',
        entityType: 'summary',
        entityId: id,
        before: { status: summary.status },
        after: { status: after.status, publishedAt: after.publishedAt },
        at: now,
      });
      await this.outbox.append(tx, DashboardEvent.SummaryPublished, { summary: after });
      return after;
    });
    this.publisher.poke();
    return published;
  }

  private async planFacts(tx: EntityManager, ids: string[]): Promise<Map<string, PlanFacts>> {
    const plans = await this.plans.lockMany(tx, ids);
    const open = await this.plans.openSummaries(tx, ids);
    return new Map(
      [...plans.values()].map((plan) => [plan.id, { id: plan.id, status: plan.status, services: plan.services, openSummaryId: open.get(plan.id) ?? null }]),
    );
  }
}
