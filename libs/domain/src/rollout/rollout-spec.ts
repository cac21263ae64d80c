// What a rollout runs, fixed when it starts: the releases with everything an agent needs,
// the preview hosts, one wave of production hosts per target datacenter, the batch
// policy and the time limits. Derived from the plan, the service catalogue and the fleet.
import type { ContainerSpec, HealthCheck, PreviewCheck } from '../../../protocol/src/index.js';
import type { Thresholds } from '../judgment.js';

/** A version of a service's config files, as config:write carries it. */
export interface ConfigVersion {
  version: number;
  files: Record<string, string>;
}

export interface RolloutRelease {
  service: string;
  /** The service's role (frontend, processor, ...): what rollback steps name. */
  role: string;
  /** Full image reference, repository plus tag or digest. */
  image: string;
  /** Short release name for container names and labels. */
  release: string;
  container: ContainerSpec;
  healthCheck: HealthCheck;
  /** Where checks probe when they name no port. */
  checkPort: number;
  /** The config version the plan releases with the image; absent: the config is not changed. */
  config?: ConfigVersion;
}

/** What a host ran of a service before this rollout: its last stable release. */
export interface PreviousRelease {
  image: string;
  release: string;
  container: ContainerSpec;
  healthCheck: HealthCheck;
  /** Null: the release had no config files managed by Tarmac. */
  config: ConfigVersion | null;
}

/** One declared rollback step, with the services it names resolved (in release order). */
export interface RollbackStepSpec {
  services: string[];
  what: 'config' | 'code' | 'both';
  /** Drain each datacenter's traffic (scope datacenter) while its hosts go back; code steps only. */
  shiftTraffic?: boolean;
}

export interface JudgmentSpec {
  thresholds: Thresholds;
  /** How often the signals of the window are evaluated. */
  intervalMs: number;
}

export interface BatchPolicy {
  size: { count: number } | { percent: number };
  minHealthyPercent: number;
  pauseMs: number;
}

export interface RolloutSpec {
  rolloutId: string;
  releases: RolloutRelease[];
  previewHosts: string[];
  waves: { datacenter: string; hosts: string[] }[];
  batch: BatchPolicy;
  rampMs: number;
  checks: PreviewCheck[];
  drainWaitMs: number;
  /** A host step with no answer by then fails with DEADLINE_EXCEEDED. */
  stepTimeoutMs: number;
  /** A batch not finished by then pauses the rollout. */
  batchTimeoutMs: number;
  skipUnreachable: boolean;
  /** Absent: no judgment (the ramp and the pauses only wait). */
  judgment?: JudgmentSpec;
  /** Roll back on its own after a failed judgment or a failed batch. */
  autoRollback: boolean;
  rollback: {
    steps: RollbackStepSpec[];
    /** False: going back may lose data written by the new release; a person must confirm it. */
    forwardCompatible: boolean;
    note: string;
  };
  /** Every host of each target datacenter (all pools): what a rollback's traffic shift drains. Absent: the waves' hosts. */
  datacenterHosts?: Record<string, string[]>;
  /** Per host and service, what to go back to; a service the host never ran has none. */
  previous: Record<string, Record<string, PreviousRelease>>;
}

/**
 * The batches of one datacenter: hosts in name order, `size` at a time, never so many
 * that fewer than `minHealthyPercent` of the datacenter (rounded down) stay in service.
 * Empty when the policy lets no host out of service at all.
 */
export function planBatches(hosts: readonly string[], policy: BatchPolicy): string[][] {
  return chunk([...hosts].sort(), batchSize(hosts.length, policy));
}

/** How many of a datacenter's `n` hosts may be out of service at once; 0 when none may. */
export function batchSize(n: number, policy: BatchPolicy): number {
  if (n === 0) return 0;
  const wanted = 'count' in policy.size ? policy.size.count : Math.ceil((policy.size.percent * n) / 100);
  const maxOut = n - Math.floor((policy.minHealthyPercent * n) / 100);
  return Math.max(0, Math.min(Math.max(1, wanted), maxOut));
}

/** Hosts in the order given, `size` at a time; none when size is 0. */
export function chunk(hosts: readonly string[], size: number): string[][] {
  if (size < 1) return [];
  const batches: string[][] = [];
  for (let i = 0; i < hosts.length; i += size) batches.push(hosts.slice(i, i + size));
  return batches;
}
