// Invariants of the rollout over 1,000 random fleets, policies and event orders:
// answers in any order, failures, lost hosts, deadlines, pauses, resumes, aborts and
// rollbacks (automatic, or asked for at any point, also after the end).
import fc from 'fast-check';
import { decide, nextDueAt, type RolloutEvent } from './decide.js';
import { fleetSpec, release } from './rollout-fixtures.js';
import { initialRolloutState, type OutgoingCommand, type RolloutState } from './rollout-state.js';
import type { RolloutSpec } from './rollout-spec.js';

const specArbitrary: fc.Arbitrary<RolloutSpec> = fc
  .record({
    datacenters: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 3 }),
    preview: fc.integer({ min: 0, max: 2 }),
    size: fc.oneof(fc.record({ count: fc.integer({ min: 1, max: 6 }) }), fc.record({ percent: fc.integer({ min: 1, max: 100 }) })),
    minHealthyPercent: fc.integer({ min: 0, max: 90 }),
    pauseMs: fc.constantFrom(0, 2000),
    rampMs: fc.constantFrom(0, 5000),
    checks: fc.integer({ min: 0, max: 1 }),
    services: fc.integer({ min: 1, max: 2 }),
    skipUnreachable: fc.boolean(),
    autoRollback: fc.boolean(),
    shiftTraffic: fc.boolean(),
  })
  .map((f) =>
    fleetSpec({
      hostsPerDatacenter: Object.fromEntries(f.datacenters.map((count, i) => [`dc${i}`, count])),
      preview: f.preview,
      batch: { size: f.size, minHealthyPercent: f.minHealthyPercent, pauseMs: f.pauseMs },
      rampMs: f.rampMs,
      checks: f.checks ? [{ name: 'home', type: 'http', path: '/', expectStatus: 200 }] : [],
      releases: f.services === 1 ? [release('web')] : [release('web'), release('worker')],
      skipUnreachable: f.skipUnreachable,
      stepTimeoutMs: 40_000,
      autoRollback: f.autoRollback,
      rollback: { steps: [{ services: ['worker'], what: 'code' }, { services: ['web'], what: 'code', shiftTraffic: f.shiftTraffic }], forwardCompatible: true, note: 'none' },
    }),
  )
  .map((spec) => ({ ...spec, previous: previousReleases(spec) }));

function previousReleases(spec: RolloutSpec): RolloutSpec['previous'] {
  const hosts = [...spec.previewHosts, ...spec.waves.flatMap((wave) => wave.hosts)];
  const before = (service: string) => ({ ...release(service), image: `127.0.0.1:5000/shop/${service}:1`, release: 'r1', config: null });
  return Object.fromEntries(hosts.map((h) => [h, Object.fromEntries(spec.releases.map((r) => [r.service, before(r.service)]))]));
}

/** Each draw picks what the world does next; `pick` chooses among what is possible. */
const worldArbitrary = fc.array(
  fc.record({ roll: fc.integer({ min: 0, max: 999 }).map((n) => n / 1000), pick: fc.nat(), advance: fc.integer({ min: 0, max: 2500 }) }),
  { minLength: 300, maxLength: 1500 },
);

function datacenterOf(spec: RolloutSpec, hostname: string): number {
  return spec.waves.findIndex((wave) => wave.hosts.includes(hostname));
}

function checkOutOfService(spec: RolloutSpec, state: RolloutState): void {
  for (const wave of spec.waves) {
    const n = wave.hosts.length;
    if (n === 0) continue;
    const out = wave.hosts.filter((h) => state.hosts[h]?.outOfService && state.hosts[h]?.phase !== 'skipped').length;
    const maxOut = n - Math.floor((spec.batch.minHealthyPercent * n) / 100);
    const wanted = 'count' in spec.batch.size ? spec.batch.size.count : Math.ceil((spec.batch.size.percent * n) / 100);
    expect(out).toBeLessThanOrEqual(Math.min(Math.max(1, wanted), maxOut));
    expect(n - out).toBeGreaterThanOrEqual(Math.floor((spec.batch.minHealthyPercent * n) / 100));
  }
}

describe('rollout invariants (property)', () => {
  it('hold for 1,000 random fleets, policies and event orders', () => {
    let succeeded = 0;
    let rolledBack = 0;
    let quietTicks = 0;
    const moving = (status: string) => status === 'running' || status === 'rolling_back';

    fc.assert(
      fc.property(specArbitrary, worldArbitrary, fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat({ max: 800 }) }), (spec, world, abortAt) => {
        let now = 0;
        let decision = decide(spec, initialRolloutState(), { type: 'start' }, now);
        const inFlight: OutgoingCommand[] = [...decision.commands];
        const completedReplaces = new Map<string, number>();
        let furthestWave = -1;
        const sent: OutgoingCommand[] = [...decision.commands];

        const apply = (event: RolloutEvent) => {
          const before = decision.state;
          decision = decide(spec, decision.state, event, now);
          // After a pause or an abort nothing new starts: a decision that does not leave
          // the rollout running sends nothing, and only a resume brings it back.
          if (!moving(decision.state.status)) expect(decision.commands).toEqual([]);
          if (!moving(before.status) && event.type !== 'resume' && event.type !== 'rollback') expect(decision.commands).toEqual([]);
          for (const command of decision.commands) {
            // A host skipped as unreachable is never touched again.
            expect(before.hosts[command.hostname]?.phase).not.toBe('skipped');
            const wave = datacenterOf(spec, command.hostname);
            if (command.step.startsWith('wave-')) {
              // Datacenters strictly in order: never back to an earlier one.
              expect(wave).toBeGreaterThanOrEqual(furthestWave);
              furthestWave = wave;
            }
          }
          inFlight.push(...decision.commands);
          sent.push(...decision.commands);
          checkOutOfService(spec, decision.state);
        };

        for (const [index, move] of world.entries()) {
          const status = decision.state.status;
          const ended = ['succeeded', 'failed', 'aborted', 'rolled_back'].includes(status);
          // Some ended rollouts are rolled back afterwards; the others stay as they ended.
          if (ended && (decision.state.rollback || status === 'rolled_back' || move.pick % 4 !== 0)) break;
          if (ended || (move.roll > 0.997 && !decision.state.rollback && status !== 'pending')) {
            if (status === 'succeeded') succeeded++;
            apply({ type: 'rollback', by: 'prop', reason: 'property' });
          } else if (index === abortAt) apply({ type: 'abort', by: 'prop' });
          else if (move.roll < 0.1 && decision.state.unit.kind === 'rollback' && decision.state.unit.shift === 'drain') apply({ type: 'shift-refused', reason: 'property' });
          else if (move.roll < 0.02 && status === 'running') apply({ type: 'pause', by: 'prop' });
          else if (status === 'paused' && move.roll < 0.6) apply({ type: 'resume', by: 'prop' });
          else if (inFlight.length > 0 && move.roll < 0.85) {
            const [command] = inFlight.splice(move.pick % inFlight.length, 1);
            const outcome = move.roll < 0.835 ? 'ok' : move.roll < 0.842 ? 'lost' : 'fail';
            if (outcome === 'ok') {
              const wasRunning = decision.state.hosts[command.hostname]?.key === command.key;
              apply({ type: 'command-completed', key: command.key });
              if (wasRunning && command.command.type === 'container:replace') {
                const id = `${command.hostname}/${command.command.service}`;
                completedReplaces.set(id, (completedReplaces.get(id) ?? 0) + 1);
              }
            } else if (outcome === 'lost') {
              apply({ type: 'host-lost', hostname: command.hostname });
              inFlight.push(command); // a lost agent may still answer later
            }
            else apply({ type: 'command-failed', key: command.key, reason: 'IMAGE_PULL_FAILED', message: 'registry down' });
          } else {
            const due = nextDueAt(decision.state);
            now += move.advance;
            if (due === undefined || now < due) {
              // Before the next due time a tick changes nothing: the engine need not decide.
              const quiet = decide(spec, decision.state, { type: 'tick' }, now);
              expect(quiet.state).toEqual(decision.state);
              expect([...quiet.commands, ...quiet.notes, ...quiet.judgments]).toEqual([]);
              quietTicks++;
            }
            apply({ type: 'tick' });
          }
        }

        if (decision.state.status === 'rolled_back') {
          rolledBack++;
          // Back to what it was: every host this rollout drained serves again.
          expect(Object.values(decision.state.hosts).every((h) => !h.outOfService || h.phase === 'skipped')).toBe(true);
        }
        if (decision.state.status === 'succeeded') {
          succeeded++;
          // On success every target host was updated exactly once (skipped hosts aside).
          const targets = [...spec.previewHosts, ...spec.waves.flatMap((wave) => wave.hosts)];
          for (const hostname of targets) {
            if (decision.state.hosts[hostname]?.phase === 'skipped') continue;
            for (const { service } of spec.releases) expect(completedReplaces.get(`${hostname}/${service}`)).toBe(1);
          }
          expect(Object.values(decision.state.hosts).every((h) => !h.outOfService || h.phase === 'skipped')).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
    // Enough runs reach the end for the success invariants to mean something.
    expect(succeeded).toBeGreaterThan(100);
    expect(rolledBack).toBeGreaterThan(100);
    expect(quietTicks).toBeGreaterThan(1000);
  });
});
