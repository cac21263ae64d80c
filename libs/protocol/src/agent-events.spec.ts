import { heartbeatDelayMs } from './agent-events.js';

describe('heartbeatDelayMs', () => {
  const draws = Array.from({ length: 101 }, (_, i) => i / 101);

  it('puts the first beat after a registration anywhere in the interval, so agents registered together spread over it', () => {
    const delays = draws.map((r) => heartbeatDelayMs(5000, true, () => r));
    expect(Math.min(...delays)).toBe(0);
    expect(Math.max(...delays)).toBeGreaterThan(4900);
    expect(delays.every((delay) => delay <= 5000)).toBe(true);
  });

  it('makes every later beat up to 10 % early and never late, so the grace period still holds', () => {
    const delays = draws.map((r) => heartbeatDelayMs(5000, false, () => r));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(4500);
    expect(Math.max(...delays)).toBe(5000);
    expect(new Set(delays).size).toBeGreaterThan(90);
  });
});
