import fc from 'fast-check';
import { conclude, evaluate, type Thresholds, type VersionSignals } from './judgment.js';

const thresholds: Thresholds = { maxErrorRatio: 0.01, max5xxRatio: 0.01, maxHealthFailures: 0, maxRestarts: 0, minSamples: 100, consecutiveFailures: 3 };
const signals = (overrides: Partial<VersionSignals> = {}): VersionSignals => ({ requests: 1000, status5xx: 0, errorLines: 0, healthFailures: 0, restarts: 0, ...overrides });

describe('evaluate', () => {
  it('passes a release as good as the old one', () => {
    expect(evaluate(signals({ status5xx: 5 }), signals({ status5xx: 5 }), thresholds).verdict).toBe('pass');
  });

  it('fails a 5xx ratio above the threshold and above the old release, with the figures', () => {
    const evaluation = evaluate(signals({ status5xx: 100 }), signals({ status5xx: 2 }), thresholds);
    expect(evaluation).toMatchObject({ verdict: 'fail', reasons: ['5xx ratio 10.00% (old 0.20%, at most 1.00%)'] });
    expect(evaluation.figures).toMatchObject({ new5xxRatio: 0.1, old5xxRatio: 0.002, newRequests: 1000 });
  });

  it('does not blame the new release for a baseline that is just as bad', () => {
    expect(evaluate(signals({ status5xx: 50 }), signals({ status5xx: 60 }), thresholds).verdict).toBe('pass');
  });

  it('is inconclusive with too little traffic, but fails health and restarts without any', () => {
    expect(evaluate(signals({ requests: 10, status5xx: 10 }), signals(), thresholds)).toMatchObject({
      verdict: 'inconclusive',
      reasons: ['10 requests, fewer than the 100 needed'],
    });
    expect(evaluate(signals({ requests: 0, restarts: 2 }), signals(), thresholds)).toMatchObject({
      verdict: 'fail',
      reasons: ['2 container restarts (at most 0)'],
    });
  });
});

describe('conclude', () => {
  const bad = evaluate(signals({ status5xx: 100 }), signals(), thresholds);
  const good = evaluate(signals(), signals(), thresholds);
  const quiet = evaluate(signals({ requests: 0 }), signals(), thresholds);

  it('fails only after consecutiveFailures failing evaluations in a row', () => {
    expect(conclude([bad, bad, good, bad, bad], thresholds).result).toBe('inconclusive');
    expect(conclude([good, bad, bad, bad], thresholds)).toMatchObject({ result: 'fail', reasons: [expect.stringMatching(/^3 failing evaluations in a row: 5xx ratio/)] });
  });

  it('passes on a passing last evaluation, and is inconclusive on silence', () => {
    expect(conclude([quiet, good], thresholds).result).toBe('pass');
    expect(conclude([good, quiet], thresholds).result).toBe('inconclusive');
    expect(conclude([], thresholds)).toMatchObject({ result: 'inconclusive', reasons: ['no signals were reported'] });
  });

  it('never fails for lack of traffic alone (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ requests: fc.nat({ max: 99 }), status5xx: fc.nat({ max: 99 }), errorLines: fc.nat({ max: 99 }) }), { maxLength: 20 }), (quietIntervals) => {
        const evaluations = quietIntervals.map((s) => evaluate(signals({ ...s, status5xx: Math.min(s.status5xx, s.requests) }), signals(), thresholds));
        expect(conclude(evaluations, thresholds).result).not.toBe('fail');
      }),
    );
  });
});
