import fc from 'fast-check';
import { SummaryRejected, validateSummaryDraft, type PlanFacts, type SummaryEntryDraft } from './summary-rules.js';

const window = { start: new Date('2026-12-01T20:00:00Z'), end: new Date('2026-12-01T23:00:00Z') };
const plan = (id: string, services: string[], status = 'approved', openSummaryId: string | null = null): PlanFacts => ({
  id,
  status,
  services,
  openSummaryId,
});
const plans = (...list: PlanFacts[]) => new Map(list.map((p) => [p.id, p]));
/** Entries in order, every order equal to the position unless overridden. */
const entries = (...list: (Partial<SummaryEntryDraft> & { planId: string })[]): SummaryEntryDraft[] =>
  list.map((e, i) => ({ position: i + 1, mergeOrder: i + 1, packageOrder: i + 1, rollbackOrder: i + 1, withPrevious: false, ...e }));

describe('summary draft rules', () => {
  const known = plans(plan('a', ['web']), plan('b', ['api']), plan('c', ['web', 'worker']), plan('d', ['db']));

  it('accepts approved plans in valid orders, with separate services starting together', () => {
    const draft = entries({ planId: 'a' }, { planId: 'b', withPrevious: true, rollbackOrder: 3 }, { planId: 'c', rollbackOrder: 2 });
    expect(validateSummaryDraft({ window, entries: draft }, known)).toEqual([]);
  });

  it.each([
    ['an unknown plan', entries({ planId: 'zz' }), [{ path: 'plans.0.planId', code: 'PLAN_NOT_FOUND' }]],
    ['a plan listed twice', entries({ planId: 'a' }, { planId: 'a' }), [{ path: 'plans.1.planId', code: 'PLAN_LISTED_TWICE' }]],
    ['a merge order out of range', entries({ planId: 'a', mergeOrder: 3 }, { planId: 'b' }), [{ path: 'plans.0.mergeOrder', code: 'ORDER_INVALID' }]],
    ['a repeated package order', entries({ planId: 'a' }, { planId: 'b', packageOrder: 1 }), [{ path: 'plans.1.packageOrder', code: 'ORDER_INVALID' }]],
    ['a fractional rollback order', entries({ planId: 'a', rollbackOrder: 1.5 }), [{ path: 'plans.0.rollbackOrder', code: 'ORDER_INVALID' }]],
    ['a position gap', entries({ planId: 'a' }, { planId: 'b', position: 3 }), [{ path: 'plans.1.position', code: 'ORDER_INVALID' }]],
    ['the first plan withPrevious', entries({ planId: 'a', withPrevious: true }), [{ path: 'plans.0.withPrevious', code: 'FIRST_WITH_PREVIOUS' }]],
    ['one service twice in a group', entries({ planId: 'a' }, { planId: 'c', withPrevious: true }), [{ path: 'plans.1.withPrevious', code: 'SERVICE_OVERLAP' }]],
    ['no plans', [], [{ path: 'plans', code: 'SUMMARY_EMPTY' }]],
  ])('refuses %s', (_, draft, expected) => {
    expect(validateSummaryDraft({ window, entries: draft }, known)).toEqual(expected.map((e) => expect.objectContaining(e)));
  });

  it('lets the same service run in consecutive groups', () => {
    expect(validateSummaryDraft({ window, entries: entries({ planId: 'a' }, { planId: 'c' }) }, known)).toEqual([]);
  });

  it('lists every problem at once, with its path', () => {
    const state = plans(plan('a', ['web'], 'in_review'), plan('b', ['web'], 'approved', 'summary-1'));
    const problems = validateSummaryDraft(
      {
        window: { start: window.end, end: window.start },
        entries: entries({ planId: 'a', mergeOrder: 2 }, { planId: 'b', withPrevious: true, mergeOrder: 2 }),
      },
      state,
    );
    expect(problems.map((p) => `${p.path} ${p.code}`)).toEqual([
      'window.end WINDOW_INVALID',
      'plans.0.planId PLAN_NOT_APPROVED',
      'plans.1.planId PLAN_IN_OPEN_SUMMARY',
      'plans.1.mergeOrder ORDER_INVALID',
      'plans.1.withPrevious SERVICE_OVERLAP',
    ]);
    const rejected = new SummaryRejected(problems);
    expect(rejected.kind).toBe('invalid');
    expect(rejected.message).toContain('plans.1.withPrevious: plans.1 and plans.0 both release service web');
  });

  it('is a conflict when the only problem is a plan held by another open summary', () => {
    const problems = validateSummaryDraft({ window, entries: entries({ planId: 'b' }) }, plans(plan('b', ['api'], 'approved', 's1')));
    expect(new SummaryRejected(problems)).toMatchObject({ kind: 'conflict', code: 'PLAN_IN_OPEN_SUMMARY' });
  });

  it('accepts any permutations of the orders, and refuses any order that is not one', () => {
    const n = 6;
    const ids = Array.from({ length: n }, (_, i) => `p${i}`);
    const state = plans(...ids.map((id) => plan(id, [id])));
    const permutation = fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i + 1), { minLength: n });
    fc.assert(
      fc.property(permutation, permutation, permutation, fc.array(fc.boolean(), { minLength: n, maxLength: n }), (merge, pack, rollback, flags) => {
        const draft = ids.map((planId, i) => ({
          planId,
          position: i + 1,
          mergeOrder: merge[i],
          packageOrder: pack[i],
          rollbackOrder: rollback[i],
          withPrevious: i > 0 && flags[i],
        }));
        expect(validateSummaryDraft({ window, entries: draft }, state)).toEqual([]);
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1, max: n + 1 }), { minLength: n, maxLength: n }), (merge) => {
        fc.pre(new Set(merge).size !== n || merge.some((m) => m < 1 || m > n));
        const draft = ids.map((planId, i) => ({ planId, position: i + 1, mergeOrder: merge[i], packageOrder: i + 1, rollbackOrder: i + 1, withPrevious: false }));
        const problems = validateSummaryDraft({ window, entries: draft }, state);
        expect(problems.length).toBeGreaterThan(0);
        expect(problems.every((p) => p.code === 'ORDER_INVALID' && p.path.endsWith('.mergeOrder'))).toBe(true);
      }),
    );
  });
});
