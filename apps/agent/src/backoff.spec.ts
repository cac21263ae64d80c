import fc from 'fast-check';
import { Backoff, backoffCeiling, fullJitterDelay, type BackoffPolicy } from './backoff.js';

const policies = fc
  .tuple(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 1_000_000 }))
  .map(([baseMs, extra]): BackoffPolicy => ({ baseMs, capMs: baseMs + extra }));
const attempts = fc.integer({ min: 0, max: 2_000 });
const draws = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

// The mean over an even grid of draws: the expected delay, without sampling noise.
const GRID = Array.from({ length: 100 }, (_, i) => i / 100);
const meanDelay = (policy: BackoffPolicy, attempt: number) =>
  GRID.reduce((sum, r) => sum + fullJitterDelay(policy, attempt, () => r), 0) / GRID.length;

describe('fullJitterDelay', () => {
  it('doubles the ceiling per attempt up to the cap', () => {
    const policy = { baseMs: 100, capMs: 1_000 };
    expect([0, 1, 2, 3, 4, 50, 5_000].map((n) => backoffCeiling(policy, n))).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('draws within [0, ceiling)', () => {
    expect(fullJitterDelay({ baseMs: 100, capMs: 1_000 }, 2, () => 0)).toBe(0);
    expect(fullJitterDelay({ baseMs: 100, capMs: 1_000 }, 2, () => 0.5)).toBe(200);
    expect(fullJitterDelay({ baseMs: 100, capMs: 1_000 }, 2, () => 0.999999)).toBe(399);
  });

  it('is bounded by the cap, for any attempt and draw', () => {
    fc.assert(
      fc.property(policies, attempts, draws, (policy, attempt, r) => {
        const delay = fullJitterDelay(policy, attempt, () => r);
        return Number.isInteger(delay) && delay >= 0 && delay <= policy.capMs;
      }),
    );
  });

  it('never shrinks from one attempt to the next for the same draw', () => {
    fc.assert(
      fc.property(policies, attempts, draws, (policy, attempt, r) => {
        return fullJitterDelay(policy, attempt + 1, () => r) >= fullJitterDelay(policy, attempt, () => r);
      }),
    );
  });

  it('grows on average until it reaches the cap', () => {
    fc.assert(
      fc.property(policies, fc.integer({ min: 0, max: 30 }), (policy, attempt) => {
        const now = meanDelay(policy, attempt);
        const next = meanDelay(policy, attempt + 1);
        return backoffCeiling(policy, attempt + 1) > backoffCeiling(policy, attempt) ? next > now : next === now;
      }),
    );
  });

  it('spreads retries: real random draws are not all alike', () => {
    const delays = Array.from({ length: 50 }, () => fullJitterDelay({ baseMs: 1_000, capMs: 1_000 }, 0, Math.random));
    expect(new Set(delays).size).toBeGreaterThan(10);
  });
});

describe('Backoff', () => {
  it('counts attempts and starts over after reset', () => {
    const backoff = new Backoff({ baseMs: 100, capMs: 10_000 }, () => 0.5);
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([50, 100, 200]);
    backoff.reset();
    expect(backoff.next()).toBe(50);
  });

  it('refuses a policy that cannot back off', () => {
    expect(() => new Backoff({ baseMs: 0, capMs: 10 })).toThrow(RangeError);
    expect(() => new Backoff({ baseMs: 100, capMs: 10 })).toThrow(RangeError);
  });
});
