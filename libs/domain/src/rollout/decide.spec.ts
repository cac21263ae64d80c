import { decide, type RolloutEvent } from './decide.js';
import { planBatches } from './rollout-spec.js';
import { fleetSpec } from './rollout-fixtures.js';
import { initialRolloutState, type Decision, type OutgoingCommand, type RolloutState } from './rollout-state.js';

/** Runs a rollout to its end, answering every command with success, in order. */
function runToEnd(spec = fleetSpec(), options: { failKey?: (command: OutgoingCommand) => string | undefined } = {}) {
  let now = 0;
  let decision: Decision = decide(spec, initialRolloutState(), { type: 'start' }, now);
  const sent: OutgoingCommand[] = [...decision.commands];
  const queue = [...decision.commands];
  const step = (event: RolloutEvent) => {
    decision = decide(spec, decision.state, event, now);
    sent.push(...decision.commands);
    queue.push(...decision.commands);
  };
  for (let guard = 0; guard < 10_000 && !['succeeded', 'failed', 'aborted', 'paused'].includes(decision.state.status); guard++) {
    const next = queue.shift();
    if (!next) {
      now += 1000;
      step({ type: 'tick' });
      continue;
    }
    const failure = options.failKey?.(next);
    step(failure ? { type: 'command-failed', key: next.key, reason: failure, message: 'boom' } : { type: 'command-completed', key: next.key });
  }
  return { state: decision.state, sent, now, decision };
}

describe('planBatches', () => {
  it.each([
    [4, { count: 2 }, 50, [['a', 'b'], ['c', 'd']]],
    [5, { count: 2 }, 75, [['a', 'b'], ['c', 'd'], ['e']]],
    [5, { count: 3 }, 80, [['a'], ['b'], ['c'], ['d'], ['e']]],
    [4, { percent: 50 }, 0, [['a', 'b'], ['c', 'd']]],
    [3, { percent: 10 }, 0, [['a'], ['b'], ['c']]],
    [1, { count: 3 }, 75, [['a']]],
    [2, { count: 1 }, 100, []],
  ] as const)('%i hosts, size %j, min healthy %i%%', (n, size, minHealthyPercent, expected) => {
    const hosts = 'abcde'.slice(0, n).split('');
    expect(planBatches(hosts, { size, minHealthyPercent, pauseMs: 0 })).toEqual(expected);
  });
});

describe('decide', () => {
  it('runs preview, ramp, the waves in batches and the checks between datacenters, in that order', () => {
    const { state, sent } = runToEnd();
    expect(state.status).toBe('succeeded');
    const steps = sent.map((c) => `${c.hostname} ${c.step}`);
    expect(steps.slice(0, 5)).toEqual([
      'preview-1 preview:drain:web',
      'preview-1 preview:pull:web',
      'preview-1 preview:replace:web',
      'preview-1 preview:health:web',
      'preview-1 preview:check:web:0',
    ]);
    expect(steps[5]).toBe('preview-1 ramp:restore:web');
    expect(steps.slice(6, 8)).toEqual(['tc-01 wave-tc:drain:web', 'tc-02 wave-tc:drain:web']);
    const gate = steps.indexOf('tc-01 gate-tc:check:web:0');
    expect(gate).toBeGreaterThan(steps.lastIndexOf('tc-04 wave-tc:restore:web'));
    expect(gate).toBeLessThan(steps.indexOf('yf-01 wave-yf:drain:web'));
    expect(steps.filter((s) => s.includes('gate-yf'))).toEqual([]);
    expect(sent.filter((c) => c.command.type === 'container:replace').map((c) => c.hostname)).toEqual([
      'preview-1', 'tc-01', 'tc-02', 'tc-03', 'tc-04', 'yf-01', 'yf-02', 'yf-03', 'yf-04',
    ]);
  });

  it('waits the ramp duration and the pause between batches', () => {
    const spec = fleetSpec({ rampMs: 600_000, batch: { size: { count: 2 }, minHealthyPercent: 50, pauseMs: 30_000 }, hostsPerDatacenter: { tc: 4 } });
    let d = decide(spec, initialRolloutState(), { type: 'start' }, 0);
    for (const c of d.commands) d = decide(spec, d.state, { type: 'command-completed', key: c.key }, 10);
    const complete = (at: number) => {
      let pending = d.commands;
      while (pending.length) {
        const [first, ...rest] = pending;
        d = decide(spec, d.state, { type: 'command-completed', key: first.key }, at);
        pending = [...rest, ...d.commands];
      }
    };
    complete(10);
    expect(d.state.unit).toEqual({ kind: 'observe', until: 600_010 });
    d = decide(spec, d.state, { type: 'tick' }, 600_009);
    expect(d.commands).toEqual([]);
    d = decide(spec, d.state, { type: 'tick' }, 600_010);
    expect(d.commands.map((c) => c.hostname)).toEqual(['tc-01', 'tc-02']);
    complete(700_000);
    expect(d.state.unit).toEqual({ kind: 'pause', wave: 0, batch: 1, until: 730_000 });
    d = decide(spec, d.state, { type: 'tick' }, 730_000);
    expect(d.commands.map((c) => c.hostname)).toEqual(['tc-03', 'tc-04']);
  });

  it('pauses with the reason when a host step fails, and retries it with a new key on resume', () => {
    const spec = fleetSpec({ preview: 0, hostsPerDatacenter: { tc: 2 } });
    const { state, sent } = runToEnd(spec, { failKey: (c) => (c.hostname === 'tc-02' && c.step === 'wave-tc:pull:web' ? 'IMAGE_PULL_FAILED' : undefined) });
    expect(state.status).toBe('paused');
    expect(state.reason).toEqual({ code: 'HOST_STEP_FAILED', message: 'tc-02: wave-tc:pull:web failed: IMAGE_PULL_FAILED: boom' });
    expect(state.hosts['tc-02']).toMatchObject({ phase: 'failed', outOfService: true });
    const resumed = decide(spec, state, { type: 'resume', by: 'olga' }, 5000);
    const retry = resumed.commands.find((c) => c.hostname === 'tc-02');
    expect(retry?.key).toBe(`${spec.rolloutId}/wave-tc:pull:web/tc-02/2`);
    expect(sent.some((c) => c.key === retry?.key)).toBe(false);
  });

  it('starts nothing while paused or after an abort, and records who and when', () => {
    const spec = fleetSpec();
    let d = decide(spec, initialRolloutState(), { type: 'start' }, 0);
    const inFlight = d.commands[0];
    d = decide(spec, d.state, { type: 'pause', by: 'olga', reason: 'lunch' }, 5);
    expect(d.state).toMatchObject({ status: 'paused', intents: { pause: { by: 'olga', at: 5, reason: 'lunch' } } });
    d = decide(spec, d.state, { type: 'command-completed', key: inFlight.key }, 6);
    expect(d.commands).toEqual([]);
    d = decide(spec, d.state, { type: 'abort', by: 'dora' }, 7);
    expect(d.state).toMatchObject({ status: 'aborted', intents: { abort: { by: 'dora', at: 7 } }, reason: { code: 'ABORTED' } });
    expect(() => decide(spec, d.state, { type: 'resume', by: 'olga' }, 8)).toThrow(/cannot resume a rollout that is aborted/);
  });

  it('fails a step with no answer by its deadline, and a lost host unless the plan skips unreachable hosts', () => {
    const spec = fleetSpec({ preview: 0, hostsPerDatacenter: { tc: 2 }, stepTimeoutMs: 1000 });
    let d = decide(spec, initialRolloutState(), { type: 'start' }, 0);
    d = decide(spec, d.state, { type: 'tick' }, 1000);
    expect(d.state.reason?.message).toMatch(/^tc-01: wave-tc:drain:web failed: DEADLINE_EXCEEDED/);

    const skipping = fleetSpec({ preview: 0, hostsPerDatacenter: { tc: 2 }, skipUnreachable: true, batch: { size: { count: 2 }, minHealthyPercent: 0, pauseMs: 0 } });
    let s = decide(skipping, initialRolloutState(), { type: 'start' }, 0);
    s = decide(skipping, s.state, { type: 'host-lost', hostname: 'tc-02' }, 1);
    expect(s.state.status).toBe('running');
    expect(s.state.hosts['tc-02']).toMatchObject({ phase: 'skipped', reason: { code: 'AGENT_LOST' } });
    expect(s.notes).toEqual([expect.objectContaining({ code: 'HOST_SKIPPED', hostname: 'tc-02' })]);
  });

  it('ignores an answer for a command it is not waiting for', () => {
    const spec = fleetSpec();
    const d = decide(spec, initialRolloutState(), { type: 'start' }, 0);
    const again = decide(spec, d.state, { type: 'command-completed', key: `${spec.rolloutId}/preview:drain:web/preview-1/9` }, 1);
    expect(again.state).toEqual(d.state);
    expect(again.commands).toEqual([]);
  });

  it('fails at start when the batch policy lets no host out of service', () => {
    const spec = fleetSpec({ batch: { size: { count: 1 }, minHealthyPercent: 100, pauseMs: 0 } });
    const d = decide(spec, initialRolloutState(), { type: 'start' }, 0);
    expect(d.state).toMatchObject({ status: 'failed', reason: { code: 'BATCH_POLICY_IMPOSSIBLE' } });
    expect(d.commands).toEqual([]);
  });
});

export type { RolloutState };
