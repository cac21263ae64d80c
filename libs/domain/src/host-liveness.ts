// When a host counts as silent, and what its status becomes on each agent event.
// Pure: time is an argument.
import { AGENT_RECONNECT_MAX_DELAY_MS, type HostStatus } from '../../protocol/src/index.js';

/**
 * The heartbeat times that make an online host silent: before `heardBefore` (one grace
 * period ago) and, when set, not before `heardFrom`. A control plane that has just started
 * (at `bootedAt`) cannot tell a dead agent from one that went quiet because the control
 * plane itself was down: that agent comes back within its reconnect back-off, at most
 * AGENT_RECONNECT_MAX_DELAY_MS. So until that delay and a grace period have passed since
 * the boot, only hosts heard since the boot can be silent.
 */
export interface SilenceWindow {
  heardFrom: Date | null;
  heardBefore: Date;
}

export function silenceWindow(now: Date, graceMs: number, bootedAt?: Date): SilenceWindow {
  const heardBefore = new Date(now.getTime() - graceMs);
  const patient = bootedAt !== undefined && now.getTime() < bootedAt.getTime() + AGENT_RECONNECT_MAX_DELAY_MS + graceMs;
  return { heardFrom: patient ? bootedAt : null, heardBefore };
}

export function isSilent(lastHeartbeatAt: Date, now: Date, graceMs: number, bootedAt?: Date): boolean {
  const { heardFrom, heardBefore } = silenceWindow(now, graceMs, bootedAt);
  return lastHeartbeatAt.getTime() < heardBefore.getTime() && (heardFrom === null || lastHeartbeatAt.getTime() >= heardFrom.getTime());
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
