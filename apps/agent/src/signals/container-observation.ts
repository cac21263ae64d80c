// How to observe one container, read back from the labels container:replace put on it
// (tarmac.health, tarmac.signals). Containers without them (older agents, made by hand)
// get no health probe and the default log sources; so do labels that do not parse, which
// the caller may log once.
import {
  DEFAULT_SIGNAL_SOURCES,
  HealthCheck,
  SignalSources,
  type HealthCheck as HealthCheckType,
  type SignalSources as SignalSourcesType,
} from '../../../../libs/protocol/src/index.js';
import { HEALTH_LABEL, SIGNALS_LABEL } from '../container-engine.js';

export interface ContainerObservation {
  health: HealthCheckType | null;
  sources: SignalSourcesType;
  /** Labels present but unreadable, by label name. */
  problems: string[];
}

export function observationFromLabels(labels: Record<string, string>): ContainerObservation {
  const problems: string[] = [];
  const read = <T>(label: string, schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }): T | undefined => {
    const raw = labels[label];
    if (raw === undefined) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      problems.push(label);
      return undefined;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    problems.push(label);
    return undefined;
  };
  return {
    health: read(HEALTH_LABEL, HealthCheck) ?? null,
    sources: read(SIGNALS_LABEL, SignalSources) ?? DEFAULT_SIGNAL_SOURCES,
    problems,
  };
}
