// The rules a launch summary draft must satisfy. Pure; every problem is reported at
// once, each with the path of the request field it concerns (`plans.2.mergeOrder`).
import { DomainError } from './errors.js';
import { startGroups } from './schedule.js';

export interface SummaryEntryDraft {
  planId: string;
  /** 1-based start position. */
  position: number;
  mergeOrder: number;
  packageOrder: number;
  rollbackOrder: number;
  withPrevious: boolean;
}

export interface SummaryDraft {
  window: { start: Date; end: Date };
  entries: readonly SummaryEntryDraft[];
}

/** What the rules need to know about a plan the draft names. */
export interface PlanFacts {
  id: string;
  status: string;
  services: readonly string[];
  /** The open (draft or published) summary that already holds the plan, if any. */
  openSummaryId: string | null;
}

export const SummaryProblemCode = {
  WindowInvalid: 'WINDOW_INVALID',
  Empty: 'SUMMARY_EMPTY',
  PlanNotFound: 'PLAN_NOT_FOUND',
  PlanNotApproved: 'PLAN_NOT_APPROVED',
  PlanInOpenSummary: 'PLAN_IN_OPEN_SUMMARY',
  PlanListedTwice: 'PLAN_LISTED_TWICE',
  OrderInvalid: 'ORDER_INVALID',
  FirstWithPrevious: 'FIRST_WITH_PREVIOUS',
  ServiceOverlap: 'SERVICE_OVERLAP',
} as const;
export type SummaryProblemCode = (typeof SummaryProblemCode)[keyof typeof SummaryProblemCode];

export interface SummaryProblem {
  path: string;
  code: SummaryProblemCode;
  message: string;
}

const ORDER_FIELDS = ['position', 'mergeOrder', 'packageOrder', 'rollbackOrder'] as const;

export function validateSummaryDraft(draft: SummaryDraft, plans: ReadonlyMap<string, PlanFacts>): SummaryProblem[] {
  const problems: SummaryProblem[] = [];
  const add = (path: string, code: SummaryProblemCode, message: string) => problems.push({ path, code, message });
  const { entries } = draft;

  if (draft.window.end.getTime() <= draft.window.start.getTime()) {
    add('window.end', SummaryProblemCode.WindowInvalid, 'the window must end after it starts');
  }
  if (entries.length === 0) add('plans', SummaryProblemCode.Empty, 'a summary needs at least one plan');

  const firstIndexOf = new Map<string, number>();
  entries.forEach((entry, i) => {
    const path = `plans.${i}.planId`;
    const earlier = firstIndexOf.get(entry.planId);
    if (earlier !== undefined) {
      add(path, SummaryProblemCode.PlanListedTwice, `plan ${entry.planId} is already listed at plans.${earlier}`);
      return;
    }
    firstIndexOf.set(entry.planId, i);
    const plan = plans.get(entry.planId);
    if (!plan) return add(path, SummaryProblemCode.PlanNotFound, `plan ${entry.planId} does not exist`);
    if (plan.status !== 'approved') {
      add(path, SummaryProblemCode.PlanNotApproved, `plan ${entry.planId} is ${plan.status}, not approved`);
    }
    if (plan.openSummaryId !== null) {
      add(path, SummaryProblemCode.PlanInOpenSummary, `plan ${entry.planId} is already in open summary ${plan.openSummaryId}`);
    }
  });

  for (const field of ORDER_FIELDS) problems.push(...permutationProblems(entries, field));

  for (const group of startGroups(entries.map((entry, index) => ({ ...entry, index })))) {
    const [first] = group;
    if (first.withPrevious) {
      add(`plans.${first.index}.withPrevious`, SummaryProblemCode.FirstWithPrevious, 'the first plan has no plan before it to start with');
    }
    const owner = new Map<string, number>();
    for (const entry of group) {
      for (const service of new Set(plans.get(entry.planId)?.services ?? [])) {
        const other = owner.get(service);
        if (other === undefined) owner.set(service, entry.index);
        else {
          add(
            `plans.${entry.index}.withPrevious`,
            SummaryProblemCode.ServiceOverlap,
            `plans.${entry.index} and plans.${other} both release service ${service} and would start together`,
          );
        }
      }
    }
  }
  return problems;
}

/** Problems with one field whose values must be a permutation of 1..n. */
function permutationProblems(entries: readonly SummaryEntryDraft[], field: (typeof ORDER_FIELDS)[number]): SummaryProblem[] {
  const n = entries.length;
  const problems: SummaryProblem[] = [];
  const seenAt = new Map<number, number>();
  entries.forEach((entry, i) => {
    const value = entry[field];
    const path = `plans.${i}.${field}`;
    if (!Number.isInteger(value) || value < 1 || value > n) {
      problems.push({ path, code: SummaryProblemCode.OrderInvalid, message: `${field} must be a whole number from 1 to ${n}, got ${value}` });
      return;
    }
    const earlier = seenAt.get(value);
    if (earlier !== undefined) {
      problems.push({ path, code: SummaryProblemCode.OrderInvalid, message: `${field} ${value} is also the ${field} of plans.${earlier}` });
      return;
    }
    seenAt.set(value, i);
  });
  return problems;
}

/**
 * A draft refused. A conflict (409) when its only problems are plans already held by
 * another open summary; otherwise invalid (400). Either way every problem is listed.
 */
export class SummaryRejected extends DomainError {
  constructor(readonly problems: readonly SummaryProblem[]) {
    const onlyConflicts = problems.every((p) => p.code === SummaryProblemCode.PlanInOpenSummary);
    super(
      onlyConflicts ? 'conflict' : 'invalid',
      onlyConflicts ? SummaryProblemCode.PlanInOpenSummary : 'SUMMARY_INVALID',
      problems.map((p) => `${p.path}: ${p.message}`).join('; '),
      problems.map(({ path, message }) => ({ path, message })),
    );
  }
}
