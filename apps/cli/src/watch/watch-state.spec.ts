import type { HostStepView, RolloutView } from '../../../../libs/protocol/src/index.js';
import { applyEvent, applySnapshot, fromSnapshot, outcomeOf, progressOf } from './watch-state.js';
import { renderScreen } from './watch-screen.js';

const host = (hostname: string, task: string, phase: HostStepView['phase'], step: string | null = null): HostStepView => ({
  hostname,
  task,
  phase,
  step,
  attempt: 1,
  updated: phase === 'done',
  reason: null,
});

const rollout = (overrides: Partial<RolloutView> = {}): RolloutView => ({
  id: 'r1',
  planId: 'p1',
  summaryId: null,
  status: 'running',
  startedBy: 'otto',
  emergency: null,
  createdAt: '2030-01-10T10:00:00.000Z',
  updatedAt: '2030-01-10T10:00:00.000Z',
  stage: 'batch',
  datacenter: 'tc',
  batch: { number: 1, of: 2 },
  waitingUntil: null,
  reason: null,
  intents: {},
  judgment: null,
  rollback: null,
  hostCounts: { begun: 3, done: 1 },
  hosts: [host('p1', 'ramp', 'done'), host('tc-1', 'wave tc', 'running', 'wave-tc:replace:web'), host('tc-2', 'wave tc', 'waiting')],
  finishedAt: null,
  ...overrides,
});

describe('watch state', () => {
  const start = () => fromSnapshot(10, rollout(), ['tc', 'yf'], { tc: 3, yf: 2 }).state;

  it('counts per group, with waves not begun at their fleet size', () => {
    expect(progressOf(start()).map(({ name, done, total }) => ({ name, done, total }))).toEqual([
      { name: 'preview', done: 1, total: 1 },
      { name: 'tc', done: 0, total: 3 },
      { name: 'yf', done: 0, total: 2 },
    ]);
  });

  it('ignores events at or below the snapshot and about other rollouts', () => {
    const state = start();
    expect(applyEvent(state, { type: 'rollout:updated', seq: 10, rollout: rollout({ status: 'succeeded' }), hosts: [] }).lines).toEqual([]);
    expect(applyEvent(state, { type: 'rollout:updated', seq: 11, rollout: rollout({ id: 'other', status: 'failed' }), hosts: [] }).lines).toEqual([]);
  });

  it('applies the hosts an event changed over those it had, by name', () => {
    const { state } = applyEvent(start(), {
      type: 'rollout:updated',
      seq: 11,
      rollout: rollout({ hostCounts: { begun: 4, done: 2 } }),
      hosts: [host('tc-1', 'wave tc', 'done'), host('tc-0', 'wave tc', 'running', 'wave-tc:drain:web')],
    });
    expect(state.rollout.hosts.map((h) => `${h.hostname} ${h.phase}`)).toEqual(['p1 done', 'tc-0 running', 'tc-1 done', 'tc-2 waiting']);
    expect(state.rollout.hostCounts).toEqual({ begun: 4, done: 2 });
  });

  it('prints a line per change: the headline when it moves, each host step, the reason when paused', () => {
    let state = start();
    const step = applyEvent(state, {
      type: 'host:steps',
      seq: 11,
      steps: { seq: 11, rolloutId: 'r1', hostnames: ['tc-1'], step: 'wave-tc:replace:web', status: 'failed', attempt: 1, reason: { code: 'IMAGE_PULL_FAILED', message: 'no such tag' } },
    });
    expect(step.lines).toEqual(['tc-1 wave-tc:replace:web failed: IMAGE_PULL_FAILED: no such tag']);
    const many = applyEvent(step.state, {
      type: 'host:steps',
      seq: 12,
      steps: { seq: 12, rolloutId: 'r1', hostnames: Array.from({ length: 1002 }, (_, i) => `tc-${i + 2}`), step: 'wave-tc:drain:web', status: 'sent', attempt: 2, reason: null },
    });
    expect(many.lines).toEqual(['tc-2, tc-3, tc-4, tc-5, tc-6 and 997 more wave-tc:drain:web sent (attempt 2)']);
    state = step.state;
    const paused = applyEvent(state, { type: 'rollout:updated', seq: 13, rollout: rollout({ status: 'paused', reason: { code: 'HOST_STEP_FAILED', message: 'tc-1: no such tag' } }), hosts: [] });
    expect(paused.lines).toEqual(['rollout r1: paused, stage batch, datacenter tc, batch 1/2', 'reason: HOST_STEP_FAILED: tc-1: no such tag']);
    expect(outcomeOf(paused.state.rollout)).toBeUndefined();
    expect(outcomeOf({ status: 'aborted' })).toBe('unsuccessful');
    expect(outcomeOf({ status: 'rolled_back' })).toBe('unsuccessful');
    expect(outcomeOf({ status: 'succeeded' })).toBe('succeeded');
  });

  it('after a reconnect, says where each host ended up', () => {
    const resumed = applySnapshot(start(), 20, rollout({ hosts: [host('p1', 'ramp', 'done'), host('tc-1', 'gate tc', 'waiting', 'gate-tc:check'), host('tc-2', 'wave tc', 'done')] }));
    expect(resumed.lines).toEqual(['tc-1 waiting at gate-tc:check', 'tc-2 done']);
    expect(resumed.state.seq).toBe(20);
  });

  it('draws a bar, the batch and one cell per host for each group', () => {
    const screen = renderScreen(start(), { columns: 80, colour: false });
    expect(screen[0]).toBe('rollout r1: running, stage batch, datacenter tc, batch 1/2');
    expect(screen).toContain(`preview ${'█'.repeat(24)}     1/1`);
    expect(screen).toContain(`tc      ${'░'.repeat(24)}     0/3  batch 1/2`);
    expect(screen).toContain('        *..');
    expect(screen).toContain('        ..');
  });
});
