// How often agents heartbeat, when a host counts as silent, and what its status becomes
// on each agent event. Pure: time and the fleet's size are arguments.
import { AGENT_RECONNECT_MAX_DELAY_MS, type HostStatus } from '../../protocol/src/index.js';

export interface HeartbeatPolicy {
  /** The configured interval: what every agent of a small fleet is told. */
  intervalMs: number;
  /** How long a host may stay unheard (at the configured interval) before it counts as silent. */
  graceMs: number;
  /** The most heartbeats a second the whole fleet may send. */
  maxPerSecond: number;
}

/**
 * The interval agents are told: the configured one, stretched for a large fleet so that
 * its connected agents together send at most `maxPerSecond` heartbeats a second (Nomad
 * scales its heartbeat TTL with the number of nodes the same way). Stretched in whole
 * seconds, so a fleet that grows by a few hosts does not move it.
 */
export function heartbeatIntervalMs(connectedHosts: number, policy: HeartbeatPolicy): number {
  const needed = (connectedHosts / policy.maxPerSecond) * 1000;
  return needed <= policy.intervalMs ? policy.intervalMs : Math.ceil(needed / 1000) * 1000;
}

/**
 * The heartbeat times that make an online host silent: before `heardBefore` (one grace
 * period ago) and, when set, not before `heardFrom`. A host told a longer interval than
 * the configured one (a large fleet) gets the difference on top (`isSilent`). A control
 * plane that has just started (at `bootedAt`) cannot tell a dead agent from one that went
 * quiet because the control plane itself was down: that agent comes back within its
 * reconnect back-off, at most AGENT_RECONNECT_MAX_DELAY_MS. So until that delay and a
 * grace period have passed since the boot, only hosts heard since the boot can be silent.
 */
export interface SilenceWindow {
  heardFrom: Date | null;
  heardBefore: Date;
  /** The configured interval: a host told a longer one may be heard that much later. */
  intervalMs: number;
}

export function silenceWindow(now: Date, policy: Pick<HeartbeatPolicy, 'graceMs' | 'intervalMs'>, bootedAt?: Date): SilenceWindow {
  const heardBefore = new Date(now.getTime() - policy.graceMs);
  const patient = bootedAt !== undefined && now.getTime() < bootedAt.getTime() + AGENT_RECONNECT_MAX_DELAY_MS + policy.graceMs;
  return { heardFrom: patient ? bootedAt : null, heardBefore, intervalMs: policy.intervalMs };
}

/**
 * Whether a host last heard at `lastHeartbeatAt`, and last told `toldIntervalMs` (null:
 * the configured interval), is silent in the window. The sweep's SQL says the same.
 */
export function isSilent(lastHeartbeatAt: Date, toldIntervalMs: number | null, window: SilenceWindow): boolean {
  const stretchMs = Math.max(0, (toldIntervalMs ?? window.intervalMs) - window.intervalMs);
  const heard = lastHeartbeatAt.getTime();
  return heard < window.heardBefore.getTime() - stretchMs && (window.heardFrom === null || heard >= window.heardFrom.getTime());
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
