// A launch plan as a request body (JSON, or the same as YAML), accepted as it is by a
// fleet with service `web` in datacenter `tc`: the base that hostile-body tests and the
// request-bounds bench spoil in one place.

export function planBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'Checkout v2.4',
    requirementSource: 'PAY-1432',
    description: 'Moves payment retries into the worker.',
    modules: ['checkout-web'],
    releases: [{ service: 'web', image: '2.4.0' }],
    targetDatacenters: ['tc'],
    preview: { hosts: { count: 1 } },
    ramp: { durationSeconds: 60 },
    batch: { size: { percent: 50 } },
    autoRollback: true,
    rollback: { steps: [{ services: ['web'], what: 'code' }], dataCompatibility: { forwardCompatible: true, note: 'none' } },
    plannedLaunchAt: '2026-12-03T10:00:00+08:00',
    ...overrides,
  };
}

/** The same plan as YAML (one flow value per top-level key), with `extra` lines appended at the top level. */
export function planYaml(extra = ''): string {
  return `${Object.entries(planBody())
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join('\n')}\n${extra}`;
}
