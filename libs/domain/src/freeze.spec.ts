import fc from 'fast-check';
import { freezeAt, frozenUntil, type FreezeWindow } from './freeze.js';

const at = (iso: string) => new Date(iso);
const freeze = (id: string, startsAt: string, endsAt: string): FreezeWindow => ({ id, startsAt: at(startsAt), endsAt: at(endsAt), reason: id });

describe('freeze windows', () => {
  const holidays = freeze('holidays', '2026-12-24T00:00:00Z', '2026-12-27T00:00:00Z');
  const newYear = freeze('new-year', '2026-12-27T00:00:00Z', '2027-01-02T00:00:00Z');
  const audit = freeze('audit', '2027-01-01T00:00:00Z', '2027-01-05T00:00:00Z');
  const later = freeze('later', '2027-02-01T00:00:00Z', '2027-02-02T00:00:00Z');

  it.each([
    ['before any freeze', '2026-12-23T23:59:59.999Z', undefined],
    ['at a start (inclusive)', '2026-12-24T00:00:00Z', 'holidays'],
    ['inside', '2026-12-25T12:00:00Z', 'holidays'],
    ['at an end (exclusive), where the next begins', '2026-12-27T00:00:00Z', 'new-year'],
    ['inside two, the one ending last', '2027-01-01T12:00:00Z', 'audit'],
    ['after all', '2027-03-01T00:00:00Z', undefined],
  ])('%s', (_, t, expected) => {
    expect(freezeAt([holidays, newYear, audit, later], at(t))?.id).toBe(expected);
  });

  it('follows touching and overlapping freezes to the first free instant', () => {
    expect(frozenUntil([later, audit, newYear, holidays], at('2026-12-25T00:00:00Z'))).toEqual({
      until: at('2027-01-05T00:00:00Z'),
      freeze: holidays,
    });
    expect(frozenUntil([holidays], at('2026-12-27T00:00:00Z'))).toBeUndefined();
  });

  it('frozenUntil lands outside every freeze, and every instant on the way is frozen', () => {
    const windows = fc
      .array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 200 })), { maxLength: 8 })
      .map((spans) =>
        spans.map(([start, length], i): FreezeWindow => ({ id: `f${i}`, startsAt: new Date(start), endsAt: new Date(start + length), reason: 'r' })),
      );
    fc.assert(
      fc.property(windows, fc.integer({ min: 0, max: 1300 }), (freezes, t) => {
        const result = frozenUntil(freezes, new Date(t));
        if (!result) return freezeAt(freezes, new Date(t)) === undefined;
        const until = result.until.getTime();
        if (until <= t || freezeAt(freezes, result.until)) return false;
        for (let instant = t; instant < until; instant++) if (!freezeAt(freezes, new Date(instant))) return false;
        return true;
      }),
    );
  });
});
