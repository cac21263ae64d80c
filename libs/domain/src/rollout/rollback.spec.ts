// Judgment in the ramp and after batches, and ordered rollback, as pure decisions.
import type { VersionSignals } from '../judgment.js';
import { decide, judgmentDue, type RolloutEvent } from './decide.js';
import { fleetSpec, release } from './rollout-fixtures.js';
import type { PreviousRelease, RolloutSpec } from './rollout-spec.js';
import { initialRolloutState, type Decision, type JudgmentRecord, type Note, type OutgoingCommand } from './rollout-state.js';

const THRESHOLDS = { maxErrorRatio: 0.05, max5xxRatio: 0.05, maxHealthFailures: 0, maxRestarts: 0, minSamples: 20, consecutiveFailures: 2 };
const signals = (requests: number, status5xx = 0): VersionSignals => ({ requests, status5xx, errorLines: 0, healthFailures: 0, restarts: 0 });
const OLD = signals(100);

function previousOf(hosts: string[], services: string[]): RolloutSpec['previous'] {
  const before = (service: string): PreviousRelease => ({
    image: `127.0.0.1:5000/shop/${service}:1`,
    release: 'r1',
    container: release(service).container,
    healthCheck: release(service).healthCheck,
    config: { version: 1, files: { 'app.conf': 'one' } },
  });
  return Object.fromEntries(hosts.map((h) => [h, Object.fromEntries(services.map((s) => [s, before(s)]))]));
}

const HOSTS = ['preview-1', 'tc-01', 'tc-02', 'yf-01', 'yf-02'];

/**
 * Drives a rollout: answers every command (or fails the ones `fail` names), lets time
 * pass, and answers due judgments with `judged(scope)`, until it stops moving.
 */
function drive(spec: RolloutSpec, options: { judged?: (scope: string) => VersionSignals; fail?: (c: OutgoingCommand) => string | undefined; from?: Decision; events?: RolloutEvent[] } = {}) {
  let now = 0;
  let decision = options.from ?? decide(spec, initialRolloutState(), { type: 'start' }, now);
  const sent: OutgoingCommand[] = [...decision.commands];
  const notes: Note[] = [...decision.notes];
  const judgments: JudgmentRecord[] = [...decision.judgments];
  const queue = [...decision.commands];
  const step = (event: RolloutEvent) => {
    decision = decide(spec, decision.state, event, now);
    sent.push(...decision.commands);
    queue.push(...decision.commands);
    notes.push(...decision.notes);
    judgments.push(...decision.judgments);
  };
  for (const event of options.events ?? []) step(event);
  for (let guard = 0; guard < 10_000 && ['running', 'rolling_back'].includes(decision.state.status); guard++) {
    const next = queue.shift();
    if (next) {
      const failure = options.fail?.(next);
      step(failure ? { type: 'command-failed', key: next.key, reason: failure, message: 'boom' } : { type: 'command-completed', key: next.key });
      continue;
    }
    now += 1000;
    if (judgmentDue(decision.state, now)) step({ type: 'signals', next: options.judged?.(decision.state.judgment!.scope) ?? signals(0), previous: OLD });
    else step({ type: 'tick' });
  }
  return { decision, state: decision.state, sent, notes, judgments };
}

const judged = (overrides: Partial<RolloutSpec> = {}) =>
  fleetSpec({ hostsPerDatacenter: { tc: 2, yf: 2 }, rampMs: 30_000, judgment: { thresholds: THRESHOLDS, intervalMs: 10_000 }, previous: previousOf(HOSTS, ['web']), ...overrides });

describe('judgment', () => {
  it('evaluates the ramp every interval and goes on when the last evaluation passes', () => {
    const { state, judgments, notes } = drive(judged(), { judged: () => signals(50) });
    expect(state.status).toBe('succeeded');
    expect(judgments.map((j) => [j.scope, j.verdict, j.conclusion ?? null])).toEqual([
      ['ramp', 'pass', null],
      ['ramp', 'pass', null],
      ['ramp', 'pass', 'pass'],
    ]);
    expect(notes.find((n) => n.code === 'JUDGMENT_PASSED')?.message).toMatch(/^ramp: the new release is within the thresholds \(new: 50 requests, 5xx 0.00%/);
  });

  it('pauses an inconclusive ramp (too little traffic) and never fails it; a resume goes on', () => {
    const spec = judged();
    const { state, decision } = drive(spec);
    expect(state).toMatchObject({ status: 'paused', unit: { kind: 'observe' }, reason: { code: 'JUDGMENT_INCONCLUSIVE' } });
    expect(state.reason?.message).toMatch(/0 requests, fewer than the 20 needed/);
    const resumed = drive(spec, { from: decision, events: [{ type: 'resume', by: 'olga' }] });
    expect(resumed.state.status).toBe('succeeded');
  });

  it('fails after the consecutive failures and rolls back on its own when the plan says so', () => {
    const spec = judged({ autoRollback: true });
    const { state, judgments, notes, sent } = drive(spec, { judged: () => signals(40, 20) });
    expect(judgments.map((j) => j.verdict)).toEqual(['fail', 'fail']);
    expect(judgments[1].conclusion).toBe('fail');
    expect(notes.find((n) => n.code === 'JUDGMENT_FAILED')?.message).toMatch(/^ramp: 2 failing evaluations in a row: 5xx ratio 50.00% \(old 0.00%, at most 5.00%\)/);
    expect(state).toMatchObject({ status: 'rolled_back', rollback: { automatic: true, by: 'tarmac', groups: [{ name: 'preview', hosts: ['preview-1'] }] } });
    // Only the preview host was touched: it alone goes back, to its own previous release.
    const back = sent.filter((c) => c.step.startsWith('rollback'));
    expect(back.map((c) => `${c.hostname} ${c.step}`)).toEqual([
      'preview-1 rollback-1:drain:web',
      'preview-1 rollback-1:replace:web',
      'preview-1 rollback-1:health:web',
      'preview-1 rollback-1:restore:web',
    ]);
    expect(back[1].command).toMatchObject({ type: 'container:replace', image: '127.0.0.1:5000/shop/web:1', release: 'r1' });
  });

  it('pauses a failed judgment without automatic rollback, or when the data is not forward-compatible', () => {
    expect(drive(judged(), { judged: () => signals(40, 20) }).state).toMatchObject({ status: 'paused', reason: { code: 'JUDGMENT_FAILED' } });
    const held = drive(judged({ autoRollback: true, rollback: { steps: [{ services: ['web'], what: 'code' }], forwardCompatible: false, note: 'drops a column' } }), {
      judged: () => signals(40, 20),
    }).state;
    expect(held).toMatchObject({ status: 'paused', reason: { code: 'JUDGMENT_FAILED' } });
    expect(held.reason?.message).toMatch(/not rolled back automatically: the data is not forward-compatible/);
  });

  it('judges each batch during its pause; an inconclusive batch goes on, a failing one rolls back', () => {
    const spec = judged({ rampMs: 0, autoRollback: true, batch: { size: { count: 1 }, minHealthyPercent: 50, pauseMs: 10_000 } });
    const quiet = drive(spec, { judged: () => signals(0) });
    expect(quiet.state.status).toBe('succeeded');
    expect(quiet.notes.filter((n) => n.code === 'JUDGMENT_INCONCLUSIVE').map((n) => n.message.split(':')[0])).toEqual([
      'tc batch 1', 'tc batch 2', 'yf batch 1', 'yf batch 2',
    ]);
    const bad = drive(spec, { judged: (scope) => (scope === 'tc batch 2' ? signals(40, 30) : signals(40)) });
    expect(bad.state).toMatchObject({ status: 'rolled_back', rollback: { groups: [{ name: 'tc', hosts: ['tc-01', 'tc-02'] }, { name: 'preview', hosts: ['preview-1'] }] } });
  });
});

describe('rollback', () => {
  const twoServices = (overrides: Partial<RolloutSpec> = {}) => {
    const processor = { ...release('orders'), role: 'processor', config: { version: 2, files: { 'app.conf': 'two' } } };
    const frontend = { ...release('web'), config: { version: 2, files: { 'app.conf': 'two' } } };
    return fleetSpec({
      hostsPerDatacenter: { tc: 2, yf: 2 },
      releases: [frontend, processor],
      previous: previousOf(HOSTS, ['web', 'orders']),
      rollback: {
        steps: [
          { services: ['orders'], what: 'config' },
          { services: ['web'], what: 'config' },
          { services: ['orders'], what: 'code' },
          { services: ['web'], what: 'code' },
        ],
        forwardCompatible: true,
        note: 'additive schema',
      },
      ...overrides,
    });
  };

  it('runs the declared steps in order, datacenters in reverse, back to each host\'s previous release', () => {
    const spec = twoServices();
    const done = drive(spec);
    expect(done.state.status).toBe('succeeded');
    const { state, sent, notes } = drive(spec, { from: done.decision, events: [{ type: 'rollback', by: 'olga', reason: 'orders stuck' }] });
    expect(state).toMatchObject({ status: 'rolled_back', reason: { code: 'ROLLED_BACK', message: 'rolled back by olga: orders stuck' } });
    const back = sent.filter((c) => c.step.startsWith('rollback'));
    // Step by step over the whole fleet: yf, then tc, then the preview host.
    const order = back.filter((c) => c.command.type === 'config:write' || c.command.type === 'container:replace').map((c) => `${c.step.split(':').slice(1).join(':')} ${c.hostname}`);
    const hosts = ['yf-01', 'yf-02', 'tc-01', 'tc-02', 'preview-1'];
    expect(order).toEqual([
      ...hosts.map((h) => `config:orders ${h}`),
      ...hosts.map((h) => `config:web ${h}`),
      ...hosts.map((h) => `replace:orders ${h}`),
      ...hosts.map((h) => `replace:web ${h}`),
    ]);
    expect(back.find((c) => c.command.type === 'config:write')?.command).toEqual({ type: 'config:write', service: 'orders', version: 1, files: { 'app.conf': 'one' } });
    expect(notes.map((n) => n.code)).toEqual(expect.arrayContaining(['ROLLBACK_STARTED', 'ROLLED_BACK']));
    expect(Object.values(state.hosts).every((h) => !h.outOfService)).toBe(true);
  });

  it('batches each datacenter by the plan and keeps the rest serving', () => {
    const spec = fleetSpec({ preview: 0, hostsPerDatacenter: { tc: 4 }, batch: { size: { count: 2 }, minHealthyPercent: 50, pauseMs: 0 }, previous: previousOf(['tc-01', 'tc-02', 'tc-03', 'tc-04'], ['web']) });
    const done = drive(spec);
    let d = decide(spec, done.state, { type: 'rollback', by: 'olga', reason: 'slow' }, 1);
    expect(d.commands.map((c) => c.hostname)).toEqual(['tc-01', 'tc-02']);
    expect(d.state.unit).toEqual({ kind: 'rollback', step: 0, group: 0, batch: 0 });
    d = drive(spec, { from: d }).decision;
    expect(d.state.status).toBe('rolled_back');
  });

  it('leaves a host with no earlier release on the new one, and says so', () => {
    const spec = judged({ previous: previousOf(['tc-01', 'tc-02', 'yf-01', 'yf-02'], ['web']) });
    const done = drive(spec, { judged: () => signals(50) });
    const { notes, sent } = drive(spec, { from: done.decision, events: [{ type: 'rollback', by: 'olga', reason: 'r' }] });
    expect(notes).toContainEqual({ code: 'NO_PREVIOUS_RELEASE', hostname: 'preview-1', message: 'preview-1 has no earlier release of web to go back to; it keeps the new one' });
    expect(sent.filter((c) => c.hostname === 'preview-1' && c.step.startsWith('rollback'))).toEqual([]);
  });

  it('refuses what it must: unconfirmed data loss, a second rollback, a rollout not started', () => {
    const lossy = twoServices({ rollback: { ...twoServices().rollback, forwardCompatible: false, note: 'v2 writes a new format' } });
    const done = drive(lossy);
    expect(() => decide(lossy, done.state, { type: 'rollback', by: 'olga', reason: 'r' }, 1)).toThrow(
      /declares its data not forward-compatible \(v2 writes a new format\).*confirmDataLoss: true/,
    );
    const confirmed = decide(lossy, done.state, { type: 'rollback', by: 'olga', reason: 'r', confirmDataLoss: true }, 1);
    expect(confirmed.state.status).toBe('rolling_back');
    expect(() => decide(lossy, confirmed.state, { type: 'rollback', by: 'olga', reason: 'again', confirmDataLoss: true }, 2)).toThrow(/is rolling back/);
    expect(() => decide(lossy, initialRolloutState(), { type: 'rollback', by: 'olga', reason: 'r' }, 0)).toThrow(/cannot roll back a rollout that is pending/);
  });

  it('pauses when a rollback step fails and resumes the rollback, not the rollout', () => {
    const spec = fleetSpec({ preview: 0, hostsPerDatacenter: { tc: 2 }, previous: previousOf(['tc-01', 'tc-02'], ['web']) });
    const done = drive(spec);
    const failing = drive(spec, {
      from: done.decision,
      events: [{ type: 'rollback', by: 'olga', reason: 'r' }],
      fail: (c) => (c.step === 'rollback-1:health:web' && c.hostname === 'tc-02' && c.key.endsWith('/1') ? 'HEALTH_CHECK_FAILED' : undefined),
    });
    expect(failing.state).toMatchObject({ status: 'paused', reason: { code: 'ROLLBACK_STEP_FAILED' } });
    const resumed = drive(spec, { from: failing.decision, events: [{ type: 'resume', by: 'olga' }] });
    expect(resumed.state.status).toBe('rolled_back');
  });

  it('rolls back a failed batch on its own, touched hosts only', () => {
    const spec = fleetSpec({ preview: 0, hostsPerDatacenter: { tc: 4 }, autoRollback: true, previous: previousOf(['tc-01', 'tc-02', 'tc-03', 'tc-04'], ['web']) });
    const { state } = drive(spec, { fail: (c) => (c.hostname === 'tc-03' && c.step === 'wave-tc:health:web' ? 'HEALTH_CHECK_FAILED' : undefined) });
    expect(state).toMatchObject({ status: 'rolled_back', rollback: { automatic: true, groups: [{ name: 'tc', hosts: ['tc-03', 'tc-04', 'tc-01', 'tc-02'] }] } });
    // The batch that failed went out of service first, so it goes back first.
    expect(state.reason?.message).toMatch(/^rolled back automatically: HOST_STEP_FAILED: tc-03: wave-tc:health:web failed/);
  });

  it('shifts each datacenter\'s traffic away while its hosts go back, and goes on without it when refused', () => {
    const spec = fleetSpec({
      preview: 0,
      hostsPerDatacenter: { tc: 2, yf: 2 },
      previous: previousOf(['tc-01', 'tc-02', 'yf-01', 'yf-02'], ['web']),
      rollback: { steps: [{ services: ['web'], what: 'code', shiftTraffic: true }], forwardCompatible: true, note: 'none' },
    });
    const done = drive(spec);
    const { state, sent } = drive(spec, { from: done.decision, events: [{ type: 'rollback', by: 'olga', reason: 'r' }] });
    expect(state.status).toBe('rolled_back');
    const order = sent.filter((c) => c.step.startsWith('rollback')).filter((c) => !/:(drain|health|restore):/.test(c.step)).map((c) => `${c.step.split(':')[1]} ${c.hostname}`);
    expect(order).toEqual([
      'shift-drain yf-01', 'shift-drain yf-02', 'replace yf-01', 'replace yf-02', 'shift-restore yf-01', 'shift-restore yf-02',
      'shift-drain tc-01', 'shift-drain tc-02', 'replace tc-01', 'replace tc-02', 'shift-restore tc-01', 'shift-restore tc-02',
    ]);
    expect(sent.find((c) => c.step === 'rollback-1:shift-drain:web')?.command).toEqual({ type: 'traffic:drain', service: 'web', scope: 'datacenter', waitMs: 1000 });

    // The caller refuses yf's drain (no other datacenter serves): yf goes back unshifted, tc still shifts.
    let d = decide(spec, done.state, { type: 'rollback', by: 'olga', reason: 'r' }, 1);
    expect(d.commands.map((c) => c.step)).toEqual(['rollback-1:shift-drain:web', 'rollback-1:shift-drain:web']);
    d = decide(spec, d.state, { type: 'shift-refused', reason: 'tc is drained by an operator' }, 1);
    expect(d.notes).toContainEqual({ code: 'TRAFFIC_SHIFT_REFUSED', message: 'step 1: yf keeps its traffic while its hosts go back: tc is drained by an operator' });
    expect(d.commands.map((c) => `${c.step} ${c.hostname}`)).toEqual(['rollback-1:drain:web yf-01']);
    const rest = drive(spec, { from: d });
    expect(rest.state.status).toBe('rolled_back');
    expect(rest.sent.filter((c) => c.step.includes('shift')).map((c) => `${c.step.split(':')[1]} ${c.hostname}`)).toEqual([
      'shift-drain tc-01', 'shift-drain tc-02', 'shift-restore tc-01', 'shift-restore tc-02',
    ]);
  });

  it('never shifts a single datacenter\'s traffic: there is nowhere to send it', () => {
    const spec = fleetSpec({
      preview: 0,
      hostsPerDatacenter: { tc: 2 },
      previous: previousOf(['tc-01', 'tc-02'], ['web']),
      rollback: { steps: [{ services: ['web'], what: 'code', shiftTraffic: true }], forwardCompatible: true, note: 'none' },
    });
    const { sent } = drive(spec, { from: drive(spec).decision, events: [{ type: 'rollback', by: 'olga', reason: 'r' }] });
    expect(sent.filter((c) => c.step.includes('shift'))).toEqual([]);
  });
});
