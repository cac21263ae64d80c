// Jittered exponential backoff ("full jitter"): the delay before retry n is drawn
// uniformly from [0, min(cap, base * 2^n)). Pure: the random source is an argument.
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export function validatePolicy(policy: BackoffPolicy): BackoffPolicy {
  if (!(policy.baseMs > 0) || !(policy.capMs >= policy.baseMs)) {
    throw new RangeError(`backoff needs 0 < baseMs <= capMs, got ${policy.baseMs} and ${policy.capMs}`);
  }
  return policy;
}

/** The upper bound of the delay before retry `attempt` (0-based). */
export function backoffCeiling(policy: BackoffPolicy, attempt: number): number {
  // 2 ** attempt overflows to Infinity for large attempts; min() then yields the cap.
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt));
}

/** `random` returns a number in [0, 1), like Math.random. */
export function fullJitterDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  return Math.floor(random() * backoffCeiling(policy, attempt));
}

/** Counts consecutive failures; `reset()` after a success. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: () => number = Math.random,
  ) {
    validatePolicy(policy);
  }

  next(): number {
    return fullJitterDelay(this.policy, this.attempt++, this.random);
  }

  reset(): void {
    this.attempt = 0;
  }
}
