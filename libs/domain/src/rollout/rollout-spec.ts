// What a rollout runs, fixed when it starts: the releases with everything an agent needs,
// the preview hosts, one wave of production hosts per target datacenter, the batch
// policy and the time limits. Derived from the plan, the service catalogue and the fleet.
import type { ContainerSpec, HealthCheck, PreviewCheck } from '../../../protocol/src/index.js';

export interface RolloutRelease {
  service: string;
  /** Full image reference, repository plus tag or digest. */
  image: string;
  /** Short release name for container names and labels. */
  release: string;
  container: ContainerSpec;
  healthCheck: HealthCheck;
  /** Where checks probe when they name no port. */
  checkPort: number;
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
}

/**
 * The batches of one datacenter: hosts in name order, `size` at a time, never so many
 * that fewer than `minHealthyPercent` of the datacenter (rounded down) stay in service.
 * Empty when the policy lets no host out of service at all.
 */
export function planBatches(hosts: readonly string[], policy: BatchPolicy): string[][] {
  const sorted = [...hosts].sort();
  const n = sorted.length;
  if (n === 0) return [];
  const wanted = 'count' in policy.size ? policy.size.count : Math.ceil((policy.size.percent * n) / 100);
  const maxOut = n - Math.floor((policy.minHealthyPercent * n) / 100);
  const size = Math.min(Math.max(1, wanted), maxOut);
  if (size < 1) return [];
  const batches: string[][] = [];
  for (let i = 0; i < n; i += size) batches.push(sorted.slice(i, i + size));
  return batches;
}
