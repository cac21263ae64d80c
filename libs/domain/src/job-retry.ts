// What happens to a scheduler job whose handler failed: retried later with exponential
// backoff, until it has failed too often to be worth retrying unattended.
export const JOB_MAX_ATTEMPTS = 10;
const BASE_MS = 1_000;
const CAP_MS = 5 * 60_000;

export type JobFailureOutcome = { kind: 'retry'; runAt: Date } | { kind: 'give-up' };

/** `attempts` counts the failure being recorded. */
export function afterJobFailure(attempts: number, now: Date): JobFailureOutcome {
  if (attempts >= JOB_MAX_ATTEMPTS) return { kind: 'give-up' };
  const delay = Math.min(CAP_MS, BASE_MS * 2 ** Math.max(0, attempts - 1));
  return { kind: 'retry', runAt: new Date(now.getTime() + delay) };
}
