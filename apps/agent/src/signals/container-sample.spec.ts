import type { ContainerStats } from '../container-engine.js';
import { countRestarts, cpuPercent, type ContainerMemory } from './container-sample.js';

const memory = (overrides: Partial<ContainerMemory> = {}): ContainerMemory => ({
  running: true,
  restartCount: 0,
  unclaimedStops: 0,
  logCursor: { at: 0n, seenAt: 0 },
  ...overrides,
});

describe('countRestarts', () => {
  it.each([
    ['first sight is the baseline', undefined, { state: 'running', restartCount: 4 }, false, { restarts: 0, restartCount: 4, unclaimedStops: 0 }],
    ['nothing happened', memory(), { state: 'running', restartCount: 0 }, false, { restarts: 0, restartCount: 0, unclaimedStops: 0 }],
    ['the engine restarted it twice', memory({ restartCount: 1 }), { state: 'running', restartCount: 3 }, false, { restarts: 2, restartCount: 3, unclaimedStops: 0 }],
    ['found exited', memory(), { state: 'exited', restartCount: 0 }, false, { restarts: 1, restartCount: 0, unclaimedStops: 1 }],
    ['found restarting', memory(), { state: 'restarting', restartCount: 0 }, false, { restarts: 1, restartCount: 0, unclaimedStops: 1 }],
    ['stopped for its successor', memory(), { state: 'exited', restartCount: 0 }, true, { restarts: 0, restartCount: 0, unclaimedStops: 0 }],
    ['still exited', memory({ running: false, unclaimedStops: 1 }), { state: 'exited', restartCount: 0 }, false, { restarts: 0, restartCount: 0, unclaimedStops: 1 }],
    [
      'the restart found stopped, then counted by the engine, counts once',
      memory({ running: false, unclaimedStops: 1 }),
      { state: 'running', restartCount: 1 },
      false,
      { restarts: 0, restartCount: 1, unclaimedStops: 0 },
    ],
    ['a count that went down', memory({ restartCount: 5 }), { state: 'running', restartCount: 0 }, false, { restarts: 0, restartCount: 0, unclaimedStops: 0 }],
  ])('%s', (_name, previous, runtime, handedOver, expected) => {
    expect(countRestarts(previous, runtime, handedOver)).toEqual(expected);
  });
});

describe('cpuPercent', () => {
  const stats = (overrides: Partial<ContainerStats>): ContainerStats => ({
    cpuTotalNs: 0,
    systemCpuNs: 0,
    onlineCpus: 2,
    preCpuTotalNs: 0,
    preSystemCpuNs: 0,
    memoryBytes: 0,
    ...overrides,
  });

  it('uses the previous sample over the whole interval (Podman gives no precpu)', () => {
    // 5 s of wall time on 2 cores is 10 s of host CPU; the container used 2.5 s: a quarter
    // of the host, half a core... times 2 cores = 50% of one core.
    const now = stats({ cpuTotalNs: 3_500_000_000, systemCpuNs: 20_000_000_000 });
    expect(cpuPercent({ totalNs: 1_000_000_000, systemNs: 10_000_000_000 }, now)).toBe(50);
  });

  it("falls back to the engine's precpu on first sight", () => {
    expect(cpuPercent(undefined, stats({ cpuTotalNs: 2e9, systemCpuNs: 4e9, preCpuTotalNs: 1e9, preSystemCpuNs: 2e9 }))).toBe(100);
  });

  it.each([
    ['nothing to compare with', undefined, stats({ cpuTotalNs: 5e9, systemCpuNs: 9e9 })],
    ['counters went back (restarted)', { totalNs: 9e9, systemNs: 1e9 }, stats({ cpuTotalNs: 1e9, systemCpuNs: 2e9 })],
    ['host counter did not move', { totalNs: 1e9, systemNs: 2e9 }, stats({ cpuTotalNs: 2e9, systemCpuNs: 2e9 })],
  ])('is 0 when %s', (_name, previous, now) => {
    expect(cpuPercent(previous, now)).toBe(0);
  });
});
