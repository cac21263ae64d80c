import { AGENT_RECONNECT_MAX_DELAY_MS } from '../../protocol/src/index.js';
import { isSilent, nextHostStatus, silenceWindow } from './host-liveness.js';

describe('host liveness', () => {
  const now = new Date('2026-11-27T12:00:00Z');
  const at = (ms: number) => new Date(now.getTime() + ms);

  it('counts a host silent only once the whole grace period has passed', () => {
    expect(silenceWindow(now, 15_000)).toEqual({ heardFrom: null, heardBefore: new Date('2026-11-27T11:59:45.000Z') });
    expect(isSilent(new Date('2026-11-27T11:59:45Z'), now, 15_000)).toBe(false);
    expect(isSilent(new Date('2026-11-27T11:59:44.999Z'), now, 15_000)).toBe(true);
  });

  it('after a boot, gives a host heard only before it the agents\' reconnect back-off on top of the grace period', () => {
    const bootedAt = now;
    const heardBeforeBoot = at(-60_000);
    const patience = AGENT_RECONNECT_MAX_DELAY_MS + 15_000;
    expect(isSilent(heardBeforeBoot, at(15_001), 15_000, bootedAt)).toBe(false);
    expect(isSilent(heardBeforeBoot, at(patience - 1), 15_000, bootedAt)).toBe(false);
    expect(isSilent(heardBeforeBoot, at(patience), 15_000, bootedAt)).toBe(true);
    expect(silenceWindow(at(patience), 15_000, bootedAt).heardFrom).toBeNull();
  });

  it('after a boot, counts a host heard since the boot silent after the grace period as usual', () => {
    const bootedAt = now;
    expect(isSilent(at(1_000), at(16_000), 15_000, bootedAt)).toBe(false);
    expect(isSilent(at(1_000), at(16_001), 15_000, bootedAt)).toBe(true);
  });

  it.each([
    ['online', 'registered', 'online'],
    ['unreachable', 'heartbeat', 'online'],
    ['offline', 'registered', 'online'],
    ['online', 'connection-lost', 'online'],
    ['online', 'said-goodbye', 'offline'],
    ['online', 'silent', 'unreachable'],
    ['offline', 'silent', 'offline'],
    ['unreachable', 'silent', 'unreachable'],
  ] as const)('%s + %s -> %s', (current, signal, expected) => {
    expect(nextHostStatus(current, signal)).toBe(expected);
  });
});
