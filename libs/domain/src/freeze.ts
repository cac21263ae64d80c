// Freeze windows: spans of time in which nothing starts on schedule. A window covers
// [startsAt, endsAt): its end instant is already outside it.
import { DomainError } from './errors.js';

export interface FreezeWindow {
  id: string;
  startsAt: Date;
  endsAt: Date;
  reason: string;
}

/** The freeze covering instant t (the one ending last, when several do). */
export function freezeAt(freezes: readonly FreezeWindow[], t: Date): FreezeWindow | undefined {
  let found: FreezeWindow | undefined;
  for (const freeze of freezes) {
    if (covers(freeze, t) && (!found || freeze.endsAt > found.endsAt)) found = freeze;
  }
  return found;
}

/**
 * When t is frozen: the first instant from t on that no freeze covers (following freezes
 * that overlap or touch), and the freeze covering t.
 */
export function frozenUntil(freezes: readonly FreezeWindow[], t: Date): { until: Date; freeze: FreezeWindow } | undefined {
  const first = freezeAt(freezes, t);
  if (!first) return undefined;
  let until = first.endsAt;
  for (let next = freezeAt(freezes, until); next; next = freezeAt(freezes, until)) until = next.endsAt;
  return { until, freeze: first };
}

function covers(freeze: FreezeWindow, t: Date): boolean {
  return freeze.startsAt.getTime() <= t.getTime() && t.getTime() < freeze.endsAt.getTime();
}

/** A start refused because a freeze covers now. */
export class Frozen extends DomainError {
  constructor(readonly freeze: FreezeWindow) {
    super(
      'conflict',
      'FROZEN',
      `releases are frozen until ${freeze.endsAt.toISOString()} (${freeze.reason}); an admin may start with {"emergency": {"reason": ...}}`,
    );
  }
}
