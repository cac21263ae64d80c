// The order in which a launch summary's plans start: groups built from the summary's
// positions and `withPrevious`, and, from how far each plan has got, what to do next.
// Pure: the scheduler feeds it rows and acts on the step it returns.

export interface ScheduledEntry {
  planId: string;
  position: number;
  /** Starts together with the entry before it. */
  withPrevious: boolean;
}

/** Groups of entries that start together, in start order (by position, then input order). */
export function startGroups<T extends ScheduledEntry>(entries: readonly T[]): T[][] {
  const sorted = entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.position - b.entry.position || a.index - b.index);
  const groups: T[][] = [];
  for (const { entry } of sorted) {
    const current = groups.at(-1);
    if (entry.withPrevious && current) current.push(entry);
    else groups.push([entry]);
  }
  return groups;
}

/**
 * Rollout statuses that end a rollout. The rollout engine owns the others; only
 * `succeeded` lets the next group start.
 */
export const ROLLOUT_END_STATUSES = ['succeeded', 'failed', 'aborted', 'rolled_back'] as const;

export type PlanProgress = 'not-started' | 'running' | 'succeeded' | 'ended-unsuccessfully' | 'skipped';

/** A plan's progress from its status and its rollout's status (undefined: no rollout yet). */
export function planProgress(planStatus: string, rolloutStatus: string | undefined): PlanProgress {
  if (rolloutStatus === undefined) return planStatus === 'cancelled' ? 'skipped' : 'not-started';
  if (rolloutStatus === 'succeeded') return 'succeeded';
  if ((ROLLOUT_END_STATUSES as readonly string[]).includes(rolloutStatus)) return 'ended-unsuccessfully';
  return 'running';
}

export const SummaryHaltReason = {
  PreviousRolloutUnsuccessful: 'PREVIOUS_ROLLOUT_UNSUCCESSFUL',
} as const;

export type SummaryStep =
  | { kind: 'start'; group: number; planIds: string[] }
  | { kind: 'wait'; group: number }
  | { kind: 'halt'; group: number; planId: string; reason: (typeof SummaryHaltReason)[keyof typeof SummaryHaltReason] }
  | { kind: 'complete' };

/**
 * What the summary does next. A group starts (its plans not yet started) only once every
 * earlier group has succeeded or been skipped; a rollout that ended otherwise halts the
 * summary, leaving the next start to a person.
 */
export function nextSummaryStep(groups: readonly (readonly string[])[], progress: (planId: string) => PlanProgress): SummaryStep {
  for (const [group, planIds] of groups.entries()) {
    const states = planIds.map((planId) => ({ planId, state: progress(planId) }));
    const failed = states.find((s) => s.state === 'ended-unsuccessfully');
    if (failed) return { kind: 'halt', group, planId: failed.planId, reason: SummaryHaltReason.PreviousRolloutUnsuccessful };
    const notStarted = states.filter((s) => s.state === 'not-started').map((s) => s.planId);
    if (notStarted.length > 0) return { kind: 'start', group, planIds: notStarted };
    if (states.some((s) => s.state === 'running')) return { kind: 'wait', group };
  }
  return { kind: 'complete' };
}
