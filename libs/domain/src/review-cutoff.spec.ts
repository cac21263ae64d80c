import { isLateReviewRequest, reviewCutoff } from './review-cutoff.js';

describe('review cutoff', () => {
  it.each([
    // launch (UTC instant), zone, expected cutoff
    ['2026-12-03T10:00:00Z', 'UTC', '2026-12-02T18:00:00.000Z'], // Thursday -> Wednesday 18:00
    ['2026-11-30T09:00:00Z', 'UTC', '2026-11-27T18:00:00.000Z'], // Monday -> previous Friday
    ['2026-11-29T09:00:00Z', 'UTC', '2026-11-27T18:00:00.000Z'], // Sunday -> Friday
    ['2026-12-03T01:00:00Z', 'Asia/Shanghai', '2026-12-02T10:00:00.000Z'], // Thu 09:00 CST -> Wed 18:00 CST
    ['2026-12-02T23:30:00Z', 'Asia/Shanghai', '2026-12-02T10:00:00.000Z'], // Thu 07:30 CST: the local date counts
  ])('launch %s in %s: cutoff %s', (launch, zone, cutoff) => {
    expect(reviewCutoff(new Date(launch), 18, zone).toISOString()).toBe(cutoff);
  });

  it('is late from the cutoff instant on', () => {
    const cutoff = new Date('2026-12-02T18:00:00Z');
    expect(isLateReviewRequest(new Date('2026-12-02T17:59:59.999Z'), cutoff)).toBe(false);
    expect(isLateReviewRequest(cutoff, cutoff)).toBe(true);
  });
});
