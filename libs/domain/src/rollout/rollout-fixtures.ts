// Specs for rollout tests: a small, valid release and a fleet built from counts.
import { DEFAULT_SIGNAL_SOURCES } from '../../../protocol/src/index.js';
import type { RolloutRelease, RolloutSpec } from './rollout-spec.js';

export const release = (service = 'web'): RolloutRelease => ({
  service,
  role: 'frontend',
  image: `127.0.0.1:5000/shop/${service}:2`,
  release: 'r2',
  container: { ports: [{ container: 18080, protocol: 'tcp' }], env: {}, resources: {}, mounts: [], signals: DEFAULT_SIGNAL_SOURCES, healthCheck: { type: 'http', path: '/', port: 18080, expectStatus: 200, timeoutMs: 1000, intervalMs: 1000 } },
  healthCheck: { type: 'http', path: '/', port: 18080, expectStatus: 200, timeoutMs: 1000, intervalMs: 1000 },
  checkPort: 18080,
});

export function fleetSpec(overrides: Partial<RolloutSpec> & { hostsPerDatacenter?: Record<string, number>; preview?: number } = {}): RolloutSpec {
  const { hostsPerDatacenter = { tc: 4, yf: 4 }, preview = 1, ...rest } = overrides;
  return {
    rolloutId: '00000000-0000-4000-8000-000000000001',
    releases: [release()],
    previewHosts: Array.from({ length: preview }, (_, i) => `preview-${i + 1}`),
    waves: Object.entries(hostsPerDatacenter).map(([datacenter, count]) => ({
      datacenter,
      hosts: Array.from({ length: count }, (_, i) => `${datacenter}-${String(i + 1).padStart(2, '0')}`),
    })),
    batch: { size: { count: 2 }, minHealthyPercent: 50, pauseMs: 0 },
    rampMs: 60_000,
    checks: [{ name: 'home', type: 'http', path: '/', expectStatus: 200 }],
    drainWaitMs: 1000,
    stepTimeoutMs: 120_000,
    batchTimeoutMs: 1_800_000,
    skipUnreachable: false,
    autoRollback: false,
    rollback: { steps: [{ services: ['web'], what: 'code' }], forwardCompatible: true, note: 'no schema change' },
    previous: {},
    ...rest,
  };
}
