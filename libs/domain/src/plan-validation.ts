// Checks of a launch plan against the fleet and the service catalogue: what the plan's
// schema cannot know. Reads the raw input defensively, so these problems are reported
// together with the schema's own, all at once.

export interface Problem {
  path: string;
  message: string;
}

export interface FleetContext {
  services: ReadonlyMap<string, { role: string; configVersions: readonly number[] }>;
  hosts: readonly { hostname: string; datacenter: string; pool: 'preview' | 'production' }[];
}

type Loose = Record<string, unknown>;
const isObject = (value: unknown): value is Loose => typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const strings = (value: unknown): string[] => list(value).filter((item): item is string => typeof item === 'string');

export function validatePlanAgainstFleet(input: unknown, fleet: FleetContext): Problem[] {
  if (!isObject(input)) return [];
  const problems: Problem[] = [];
  const releasedServices = new Map<string, string>();

  list(input.releases).forEach((release, i) => {
    if (!isObject(release) || typeof release.service !== 'string') return;
    const service = fleet.services.get(release.service);
    if (!service) {
      problems.push({ path: `releases.${i}.service`, message: `unknown service "${release.service}"` });
      return;
    }
    releasedServices.set(release.service, service.role);
    const version = release.configVersion;
    if (typeof version === 'number' && !service.configVersions.includes(version)) {
      problems.push({ path: `releases.${i}.configVersion`, message: `service "${release.service}" has no config version ${version}` });
    }
  });

  const targets = strings(input.targetDatacenters);
  const production = fleet.hosts.filter((host) => host.pool === 'production');
  targets.forEach((datacenter, i) => {
    if (!production.some((host) => host.datacenter === datacenter)) {
      problems.push({ path: `targetDatacenters.${i}`, message: `datacenter "${datacenter}" has no production hosts` });
    }
  });

  const fleetSize = production.filter((host) => targets.includes(host.datacenter)).length;
  const size = isObject(input.batch) && isObject(input.batch.size) ? input.batch.size : undefined;
  if (size && typeof size.count === 'number') {
    if (size.count < 1) problems.push({ path: 'batch.size.count', message: 'must be at least 1' });
    else if (size.count > fleetSize) {
      problems.push({ path: 'batch.size.count', message: `${size.count} is larger than the fleet (${fleetSize} production hosts in the target datacenters)` });
    }
  }

  const previewHosts = isObject(input.preview) && isObject(input.preview.hosts) ? input.preview.hosts : undefined;
  const previewPool = fleet.hosts.filter((host) => host.pool === 'preview');
  if (previewHosts && typeof previewHosts.count === 'number' && previewHosts.count > previewPool.length) {
    problems.push({ path: 'preview.hosts.count', message: `${previewHosts.count} preview hosts asked for, the preview pool has ${previewPool.length}` });
  }
  strings(previewHosts?.names).forEach((name, i) => {
    const host = fleet.hosts.find((candidate) => candidate.hostname === name);
    if (!host) problems.push({ path: `preview.hosts.names.${i}`, message: `unknown host "${name}"` });
    else if (host.pool !== 'preview') problems.push({ path: `preview.hosts.names.${i}`, message: `host "${name}" is not in the preview pool` });
  });

  problems.push(...rollbackCoverage(input, releasedServices, fleet));
  return problems;
}

/** Every service the plan releases must be undone by some rollback step, by name or by role. */
function rollbackCoverage(input: Loose, released: Map<string, string>, fleet: FleetContext): Problem[] {
  const problems: Problem[] = [];
  const steps = isObject(input.rollback) ? list(input.rollback.steps) : [];
  const covered = new Set<string>();
  steps.forEach((step, i) => {
    if (!isObject(step)) return;
    strings(step.services).forEach((service, j) => {
      if (!fleet.services.has(service)) problems.push({ path: `rollback.steps.${i}.services.${j}`, message: `unknown service "${service}"` });
      else if (!released.has(service)) problems.push({ path: `rollback.steps.${i}.services.${j}`, message: `service "${service}" is not released by this plan` });
      covered.add(service);
    });
    strings(step.roles).forEach((role, j) => {
      const matching = [...released].filter(([, serviceRole]) => serviceRole === role).map(([service]) => service);
      if (matching.length === 0) problems.push({ path: `rollback.steps.${i}.roles.${j}`, message: `no service released by this plan has the role "${role}"` });
      matching.forEach((service) => covered.add(service));
    });
  });
  if (steps.length > 0) {
    for (const [service, role] of released) {
      if (!covered.has(service)) {
        problems.push({ path: 'rollback.steps', message: `service "${service}" (role ${role}) is not covered by any rollback step` });
      }
    }
  }
  return problems;
}
