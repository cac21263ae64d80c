import { AGENT_RECONNECT_MAX_DELAY_MS } from '../../protocol/src/index.js';
import { heartbeatIntervalMs, isSilent, nextHostStatus, silenceWindow } from './host-liveness.js';

describe('host liveness', () => {
  const now = new Date('2026-11-27T12:00:00Z');
  const at = (ms: number) => new Date(now.getTime() + ms);
  const policy = { intervalMs: 5_000, graceMs: 15_000, maxPerSecond: 500 };

  describe('heartbeat interval', () => {
    it('keeps the configured interval while the fleet stays under the rate', () => {
      expect(heartbeatIntervalMs(0, policy)).toBe(5_000);
      expect(heartbeatIntervalMs(2_500, policy)).toBe(5_000);
    });

    it('stretches it for a larger fleet, in whole seconds, so the fleet stays under the rate', () => {
      expect(heartbeatIntervalMs(2_501, policy)).toBe(6_000);
      expect(heartbeatIntervalMs(10_000, policy)).toBe(20_000);
      expect(heartbeatIntervalMs(10_001, policy)).toBe(21_000);
      for (const hosts of [2_600, 7_777, 10_000, 123_456]) {
        expect(hosts / (heartbeatIntervalMs(hosts, policy) / 1000)).toBeLessThanOrEqual(policy.maxPerSecond);
      }
    });
  });

  it('counts a host silent only once the whole grace period has passed', () => {
    expect(silenceWindow(now, policy)).toEqual({ heardFrom: null, heardBefore: new Date('2026-11-27T11:59:45.000Z'), intervalMs: 5_000 });
    expect(isSilent(new Date('2026-11-27T11:59:45Z'), null, silenceWindow(now, policy))).toBe(false);
    expect(isSilent(new Date('2026-11-27T11:59:44.999Z'), null, silenceWindow(now, policy))).toBe(true);
    expect(isSilent(new Date('2026-11-27T11:59:44.999Z'), 5_000, silenceWindow(now, policy))).toBe(true);
  });

  it('gives a host told a longer interval the difference on top of the grace period', () => {
    const window = silenceWindow(now, policy);
    expect(isSilent(at(-15_001), 20_000, window)).toBe(false);
    expect(isSilent(at(-30_000), 20_000, window)).toBe(false);
    expect(isSilent(at(-30_001), 20_000, window)).toBe(true);
  });

  it('after a boot, gives a host heard only before it the agents\' reconnect back-off on top of the grace period', () => {
    const bootedAt = now;
    const heardBeforeBoot = at(-60_000);
    const patience = AGENT_RECONNECT_MAX_DELAY_MS + 15_000;
    expect(isSilent(heardBeforeBoot, null, silenceWindow(at(15_001), policy, bootedAt))).toBe(false);
    expect(isSilent(heardBeforeBoot, null, silenceWindow(at(patience - 1), policy, bootedAt))).toBe(false);
    expect(isSilent(heardBeforeBoot, null, silenceWindow(at(patience), policy, bootedAt))).toBe(true);
    expect(silenceWindow(at(patience), policy, bootedAt).heardFrom).toBeNull();
  });

  it('after a boot, counts a host heard since the boot silent after the grace period as usual', () => {
    const bootedAt = now;
    expect(isSilent(at(1_000), null, silenceWindow(at(16_000), policy, bootedAt))).toBe(false);
    expect(isSilent(at(1_000), null, silenceWindow(at(16_001), policy, bootedAt))).toBe(true);
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
