// The counters of one container's sample as deltas since its previous sample: restarts
// from the engine's restart count and from finding the container stopped, CPU from the
// engine's cumulative counters. Pure; the collector keeps a ContainerMemory per container.
import type { ContainerRuntime, ContainerStats } from '../container-engine.js';
import type { LogCursor } from './log-cursor.js';

export interface ContainerMemory {
  /** The state at the previous sample was `running`. */
  running: boolean;
  restartCount: number;
  /**
   * Restarts already counted because the container was found stopped, which the engine's
   * count may show later (a restart policy restarting it): they are not counted twice.
   */
  unclaimedStops: number;
  /** Cumulative CPU counters at the previous sample. */
  cpu?: { totalNs: number; systemNs: number };
  logCursor: LogCursor;
}

export interface RestartCount {
  restarts: number;
  restartCount: number;
  unclaimedStops: number;
}

/**
 * Restarts in the interval. A container seen running before and not running now counts
 * one, unless it was handed over (another container of its service took its place: a
 * replace or a rollback stopped it on purpose). The first sample of a container is the
 * baseline: zero.
 */
export function countRestarts(previous: ContainerMemory | undefined, runtime: Pick<ContainerRuntime, 'state' | 'restartCount'>, handedOver: boolean): RestartCount {
  if (!previous) return { restarts: 0, restartCount: runtime.restartCount, unclaimedStops: 0 };
  // A count that went down belongs to a recreated container under the same id: start over.
  const engineRestarts = Math.max(0, runtime.restartCount - previous.restartCount);
  const claimed = Math.min(engineRestarts, previous.unclaimedStops);
  const foundStopped = previous.running && runtime.state !== 'running' && !handedOver ? 1 : 0;
  return {
    restarts: engineRestarts - claimed + foundStopped,
    restartCount: runtime.restartCount,
    unclaimedStops: previous.unclaimedStops - claimed + foundStopped,
  };
}

/**
 * CPU use over the interval, in percent of one core (200 = two cores busy), as `docker
 * stats` computes it. From the previous sample's counters when there is one: that spans
 * the whole interval, where the engine's own precpu (Docker without one-shot) spans its
 * last second and Podman gives none. Without either, 0.
 */
export function cpuPercent(previous: ContainerMemory['cpu'], stats: ContainerStats): number {
  const before =
    previous ?? (stats.preCpuTotalNs > 0 && stats.preSystemCpuNs > 0 ? { totalNs: stats.preCpuTotalNs, systemNs: stats.preSystemCpuNs } : undefined);
  if (!before) return 0;
  const used = stats.cpuTotalNs - before.totalNs;
  const elapsed = stats.systemCpuNs - before.systemNs;
  // Counters that went backwards (container restarted) or a host counter that did not move say nothing.
  if (used <= 0 || elapsed <= 0) return 0;
  const percent = (used / elapsed) * Math.max(1, stats.onlineCpus) * 100;
  return Math.min(1e6, Math.round(percent * 100) / 100);
}
