import { isSilent, nextHostStatus, silenceCutoff } from './host-liveness.js';

describe('host liveness', () => {
  const now = new Date('2026-11-27T12:00:00Z');

  it('counts a host silent only once the whole grace period has passed', () => {
    expect(silenceCutoff(now, 15_000).toISOString()).toBe('2026-11-27T11:59:45.000Z');
    expect(isSilent(new Date('2026-11-27T11:59:45Z'), now, 15_000)).toBe(false);
    expect(isSilent(new Date('2026-11-27T11:59:44.999Z'), now, 15_000)).toBe(true);
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
