// The kinds of scheduler jobs, their keys (one job per key, ever) and payloads.
import { z } from 'zod';

export const JobKind = {
  /** Start a published summary's first group at its window start. */
  SummaryWindowStart: 'summary.window-start',
  /** A rollout of the summary ended: start the next group if its turn has come. */
  SummaryNextGroup: 'summary.next-group',
} as const;

export const SummaryJobPayload = z.object({ summaryId: z.uuid() });
export type SummaryJobPayload = z.infer<typeof SummaryJobPayload>;

export const summaryStartKey = (summaryId: string) => `summary-start:${summaryId}`;
export const summaryNextGroupKey = (summaryId: string, rolloutId: string) => `summary-next:${summaryId}:${rolloutId}`;
