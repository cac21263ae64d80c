// When a host counts as silent, and what its status becomes on each agent event.
// Pure: time is an argument.
import type { HostStatus } from '../../protocol/src/index.js';

/** Hosts whose last heartbeat is older than this instant are silent. */
export function silenceCutoff(now: Date, graceMs: number): Date {
  return new Date(now.getTime() - graceMs);
}

export function isSilent(lastHeartbeatAt: Date, now: Date, graceMs: number): boolean {
  return lastHeartbeatAt.getTime() < silenceCutoff(now, graceMs).getTime();
}

export type AgentSignal = 'registered' | 'heartbeat' | 'said-goodbye' | 'connection-lost' | 'silent';

/**
 * The status after an agent signal. A lost connection changes nothing by itself:
 * the host stays `online` until the grace period passes without a heartbeat.
 */
export function nextHostStatus(current: HostStatus, signal: AgentSignal): HostStatus {
  switch (signal) {
    case 'registered':
    case 'heartbeat':
      return 'online';
    case 'said-goodbye':
      return 'offline';
    case 'connection-lost':
      return current;
    case 'silent':
      return current === 'online' ? 'unreachable' : current;
  }
}
