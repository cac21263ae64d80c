// Judging a new release by what its hosts report, against the old release's hosts
// (MISSION.md step 6): error ratio, 5xx ratio, health failures, restarts, under the
// plan's thresholds. Too little traffic is `inconclusive`, never a failure.

export interface VersionSignals {
  /** Requests seen in the access logs. */
  requests: number;
  /** Of those, answered 5xx. */
  status5xx: number;
  /** Lines matching the service's error patterns in its error log. */
  errorLines: number;
  healthFailures: number;
  restarts: number;
}

export interface Thresholds {
  maxErrorRatio: number;
  max5xxRatio: number;
  maxHealthFailures: number;
  maxRestarts: number;
  minSamples: number;
  consecutiveFailures: number;
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface Figures {
  newRequests: number;
  oldRequests: number;
  newErrorRatio: number;
  oldErrorRatio: number;
  new5xxRatio: number;
  old5xxRatio: number;
  newHealthFailures: number;
  newRestarts: number;
}

export interface Evaluation {
  verdict: Verdict;
  /** Why, in words; one entry per broken rule. */
  reasons: string[];
  figures: Figures;
}

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : 0);
const percent = (value: number) => `${(value * 100).toFixed(2)}%`;

/** One look at the signals of an interval. */
export function evaluate(next: VersionSignals, previous: VersionSignals, thresholds: Thresholds): Evaluation {
  const figures: Figures = {
    newRequests: next.requests,
    oldRequests: previous.requests,
    newErrorRatio: ratio(next.errorLines, next.requests),
    oldErrorRatio: ratio(previous.errorLines, previous.requests),
    new5xxRatio: ratio(next.status5xx, next.requests),
    old5xxRatio: ratio(previous.status5xx, previous.requests),
    newHealthFailures: next.healthFailures,
    newRestarts: next.restarts,
  };
  const reasons: string[] = [];
  // Health and restarts need no traffic to be judged.
  if (next.healthFailures > thresholds.maxHealthFailures) {
    reasons.push(`${next.healthFailures} health check failures (at most ${thresholds.maxHealthFailures})`);
  }
  if (next.restarts > thresholds.maxRestarts) reasons.push(`${next.restarts} container restarts (at most ${thresholds.maxRestarts})`);
  if (next.requests >= thresholds.minSamples) {
    // A ratio fails only above its threshold and above the old release's: a noisy
    // baseline does not fail the new release for the old one's faults.
    if (figures.new5xxRatio > thresholds.max5xxRatio && figures.new5xxRatio > figures.old5xxRatio) {
      reasons.push(`5xx ratio ${percent(figures.new5xxRatio)} (old ${percent(figures.old5xxRatio)}, at most ${percent(thresholds.max5xxRatio)})`);
    }
    if (figures.newErrorRatio > thresholds.maxErrorRatio && figures.newErrorRatio > figures.oldErrorRatio) {
      reasons.push(`error ratio ${percent(figures.newErrorRatio)} (old ${percent(figures.oldErrorRatio)}, at most ${percent(thresholds.maxErrorRatio)})`);
    }
  }
  if (reasons.length > 0) return { verdict: 'fail', reasons, figures };
  if (next.requests < thresholds.minSamples) {
    return { verdict: 'inconclusive', reasons: [`${next.requests} requests, fewer than the ${thresholds.minSamples} needed`], figures };
  }
  return { verdict: 'pass', reasons: [], figures };
}

/**
 * The judgment over a series of evaluations (oldest first): `fail` once
 * `consecutiveFailures` evaluations in a row failed; otherwise the last one decides
 * between `pass` and `inconclusive`.
 */
export function conclude(evaluations: readonly Evaluation[], thresholds: Thresholds): Evaluation & { result: Verdict } {
  let run = 0;
  for (const evaluation of evaluations) {
    run = evaluation.verdict === 'fail' ? run + 1 : 0;
    if (run >= thresholds.consecutiveFailures) {
      return { ...evaluation, result: 'fail', reasons: [`${run} failing evaluations in a row: ${evaluation.reasons.join('; ')}`] };
    }
  }
  const last = evaluations.at(-1);
  if (!last) {
    const none = evaluate(EMPTY, EMPTY, thresholds);
    return { ...none, result: 'inconclusive', reasons: ['no signals were reported'] };
  }
  // A last evaluation that failed, without enough failures in a row, is not a pass.
  const result: Verdict = last.verdict === 'pass' ? 'pass' : 'inconclusive';
  return { ...last, result };
}

const EMPTY: VersionSignals = { requests: 0, status5xx: 0, errorLines: 0, healthFailures: 0, restarts: 0 };
