// What the agent tells the control plane about its host: one look at the engine, and
// the register and heartbeat payloads built from it. Payloads are parsed with the
// protocol schemas before they leave, so a bug fails here, loudly, not at the server.
import {
  HostHeartbeat,
  HostRegistration,
  type ManagedContainer,
} from '../../../libs/protocol/src/index.js';
import type { EngineIdentity } from './engine-facts.js';
import type { Engine } from './engine.js';

export type EngineObservation =
  | { status: 'reachable'; containers: ManagedContainer[] }
  | { status: 'unreachable'; reason: string };

/** The host facts that do not change while the agent runs. */
export interface HostIdentity {
  hostname: string;
  datacenter: string;
  labels: Record<string, string>;
  agentVersion: string;
}

export async function observeEngine(engine: Engine, hostname: string): Promise<EngineObservation> {
  try {
    await engine.ping();
    return { status: 'reachable', containers: await engine.listManagedContainers(hostname) };
  } catch (error) {
    return { status: 'unreachable', reason: error instanceof Error ? error.message : String(error) };
  }
}

export function buildRegistration(
  host: HostIdentity,
  engine: EngineIdentity,
  observation: EngineObservation,
  lastCommandSeq: number,
): HostRegistration {
  return HostRegistration.parse({
    ...host,
    lastCommandSeq,
    engine: { ...engine, status: observation.status },
    // With the engine down the containers are unknown: the control plane keeps what it knew.
    ...(observation.status === 'reachable' ? { containers: observation.containers } : {}),
  });
}

export function buildHeartbeat(observation: EngineObservation): HostHeartbeat {
  return HostHeartbeat.parse(
    observation.status === 'reachable'
      ? { engine: { status: 'reachable' }, containers: observation.containers }
      : { engine: { status: 'unreachable' } },
  );
}
