import fc from 'fast-check';
import { nextSummaryStep, planProgress, startGroups, type PlanProgress } from './schedule.js';

const entry = (planId: string, position: number, withPrevious = false) => ({ planId, position, withPrevious });
const ids = (groups: { planId: string }[][]) => groups.map((g) => g.map((e) => e.planId));

/** Entries at positions 1..n with random withPrevious flags, in random input order. */
const shuffledEntries = fc
  .array(fc.boolean(), { maxLength: 20 })
  .map((flags) => flags.map((withPrevious, i) => entry(`p${i}`, i + 1, withPrevious)))
  .chain((entries) => fc.shuffledSubarray(entries, { minLength: entries.length }).map((shuffled) => ({ entries, shuffled })));

describe('start groups', () => {
  it('groups plans by position, each withPrevious joining the one before', () => {
    expect(ids(startGroups([entry('c', 3, true), entry('a', 1), entry('d', 4), entry('b', 2)]))).toEqual([['a'], ['b', 'c'], ['d']]);
  });

  it('starts a group at a leading withPrevious, having nothing to join', () => {
    expect(ids(startGroups([entry('a', 1, true), entry('b', 2, true)]))).toEqual([['a', 'b']]);
  });

  it('keeps every plan once, in position order, and starts a new group exactly at each plan not withPrevious', () => {
    fc.assert(
      fc.property(shuffledEntries, ({ entries, shuffled }) => {
        const groups = startGroups(shuffled);
        expect(groups.flat()).toEqual(entries);
        expect(groups.slice(1).every((g) => !g[0].withPrevious)).toBe(true);
        expect(groups.every((g) => g.slice(1).every((e) => e.withPrevious))).toBe(true);
      }),
    );
  });
});

describe('plan progress', () => {
  it.each([
    ['scheduled', undefined, 'not-started'],
    ['cancelled', undefined, 'skipped'],
    ['started', 'pending', 'running'],
    ['started', 'preview', 'running'],
    ['started', 'succeeded', 'succeeded'],
    ['started', 'failed', 'ended-unsuccessfully'],
    ['started', 'aborted', 'ended-unsuccessfully'],
    ['started', 'rolled_back', 'ended-unsuccessfully'],
  ] as const)('plan %s with rollout %s is %s', (plan, rollout, expected) => {
    expect(planProgress(plan, rollout)).toBe(expected);
  });
});

describe('next summary step', () => {
  const groups = [['a'], ['b', 'c'], ['d']];
  const progress = (states: Record<string, PlanProgress>) => (id: string) => states[id] ?? 'not-started';

  it.each([
    ['nothing started: the first group', {}, { kind: 'start', group: 0, planIds: ['a'] }],
    ['first running: wait', { a: 'running' }, { kind: 'wait', group: 0 }],
    ['first succeeded: the second group', { a: 'succeeded' }, { kind: 'start', group: 1, planIds: ['b', 'c'] }],
    ['one of a group started by hand: the rest of it', { a: 'succeeded', b: 'running' }, { kind: 'start', group: 1, planIds: ['c'] }],
    ['half a group done: wait', { a: 'succeeded', b: 'succeeded', c: 'running' }, { kind: 'wait', group: 1 }],
    ['a skipped plan does not block', { a: 'skipped', b: 'succeeded', c: 'succeeded' }, { kind: 'start', group: 2, planIds: ['d'] }],
    ['a failed rollout halts', { a: 'succeeded', b: 'ended-unsuccessfully', c: 'succeeded' }, { kind: 'halt', group: 1, planId: 'b', reason: 'PREVIOUS_ROLLOUT_UNSUCCESSFUL' }],
    ['all done', { a: 'succeeded', b: 'succeeded', c: 'skipped', d: 'succeeded' }, { kind: 'complete' }],
  ] as const)('%s', (_, states, expected) => {
    expect(nextSummaryStep(groups, progress(states))).toEqual(expected);
  });

  it('starts a group only when every earlier group has succeeded or been skipped, and never a started plan', () => {
    const state = fc.constantFrom<PlanProgress>('not-started', 'running', 'succeeded', 'ended-unsuccessfully', 'skipped');
    const layout = fc.array(fc.array(state, { minLength: 1, maxLength: 3 }), { maxLength: 5 });
    fc.assert(
      fc.property(layout, (layoutStates) => {
        const states = new Map<string, PlanProgress>();
        const groupIds = layoutStates.map((g, gi) => g.map((s, pi) => (states.set(`g${gi}p${pi}`, s), `g${gi}p${pi}`)));
        const step = nextSummaryStep(groupIds, (id) => states.get(id)!);
        if (step.kind !== 'start') return;
        const earlier = groupIds.slice(0, step.group).flat();
        expect(earlier.every((id) => ['succeeded', 'skipped'].includes(states.get(id)!))).toBe(true);
        expect(step.planIds.every((id) => states.get(id) === 'not-started')).toBe(true);
      }),
    );
  });
});
