// The release schedule on the wire: launch summaries, freeze windows, starting a plan
// and the rollout record a start creates, plus the dashboard payloads that report them.
import { z } from 'zod';
import { text } from './text.js';

/** An instant as ISO 8601 with an offset (`Z` or `+08:00`). */
const Instant = z.iso.datetime({ offset: true });
/** Orders are checked against the summary's size by the control plane, with a path per problem. */
const Order = z.number().int();

export const SUMMARY_STATUSES = ['draft', 'published', 'completed', 'cancelled'] as const;
export const SummaryStatus = z.enum(SUMMARY_STATUSES);
export type SummaryStatus = z.infer<typeof SummaryStatus>;

export const SummaryPlanInput = z.strictObject({
  planId: z.uuid(),
  mergeOrder: Order,
  packageOrder: Order,
  rollbackOrder: Order,
  /** Starts together with the plan before it; plans in one group may not share a service. */
  withPrevious: z.boolean().optional(),
});

export const CreateSummaryRequest = z.strictObject({
  title: text().trim().min(1).max(200),
  window: z.strictObject({ start: Instant, end: Instant }),
  notes: text().max(20_000).optional(),
  /** In start order: the first entry has position 1. */
  plans: z.array(SummaryPlanInput).min(1).max(200),
});
export type CreateSummaryRequest = z.infer<typeof CreateSummaryRequest>;

export const SummaryPlanView = z.object({
  planId: text(),
  position: z.number().int(),
  mergeOrder: z.number().int(),
  packageOrder: z.number().int(),
  rollbackOrder: z.number().int(),
  withPrevious: z.boolean(),
});
export type SummaryPlanView = z.infer<typeof SummaryPlanView>;

export const SummaryView = z.object({
  id: text(),
  title: text(),
  status: SummaryStatus,
  window: z.object({ start: text(), end: text() }),
  notes: text(),
  createdBy: text(),
  createdAt: text(),
  publishedAt: text().nullable(),
  /** By position. */
  plans: z.array(SummaryPlanView),
});
export type SummaryView = z.infer<typeof SummaryView>;

export const CreateFreezeRequest = z.strictObject({
  startsAt: Instant,
  endsAt: Instant,
  reason: text().trim().min(1).max(2000),
});
export type CreateFreezeRequest = z.infer<typeof CreateFreezeRequest>;

export const FreezeView = z.object({
  id: text(),
  startsAt: text(),
  endsAt: text(),
  reason: text(),
  createdBy: text(),
  createdAt: text(),
});
export type FreezeView = z.infer<typeof FreezeView>;

export const StartPlanRequest = z.strictObject({
  /** Start inside a freeze window: admins only, recorded on the rollout and in the audit log. */
  emergency: z.strictObject({ reason: text().trim().min(1).max(2000) }).optional(),
});
export type StartPlanRequest = z.infer<typeof StartPlanRequest>;

export const EmergencyStart = z.object({
  reason: text(),
  by: z.object({ id: text(), name: text() }),
  /** The freeze it overrode, if one covered the start. */
  freezeId: text().nullable(),
  at: text(),
});
export type EmergencyStart = z.infer<typeof EmergencyStart>;

export const RolloutRecord = z.object({
  id: text(),
  planId: text(),
  summaryId: text().nullable(),
  status: text(),
  /** The user who started it by hand; null when the scheduler did. */
  startedBy: text().nullable(),
  emergency: EmergencyStart.nullable(),
  createdAt: text(),
  updatedAt: text(),
});
export type RolloutRecord = z.infer<typeof RolloutRecord>;

export const SummaryChange = z.object({ seq: z.number().int().positive(), summary: SummaryView });
export type SummaryChange = z.infer<typeof SummaryChange>;

export const PlanScheduled = z.object({ seq: z.number().int().positive(), planId: text(), summaryId: text() });
export type PlanScheduled = z.infer<typeof PlanScheduled>;

export const PlanStarted = z.object({ seq: z.number().int().positive(), planId: text(), rollout: RolloutRecord });
export type PlanStarted = z.infer<typeof PlanStarted>;
