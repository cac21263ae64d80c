import { validatePlanAgainstFleet, type FleetContext } from './plan-validation.js';

const fleet: FleetContext = {
  services: new Map([
    ['web', { role: 'frontend', configVersions: [1, 2] }],
    ['worker', { role: 'processor', configVersions: [] }],
  ]),
  hosts: [
    { hostname: 'tc-1', datacenter: 'tc', pool: 'production' },
    { hostname: 'tc-2', datacenter: 'tc', pool: 'production' },
    { hostname: 'yf-1', datacenter: 'yf', pool: 'production' },
    { hostname: 'tc-p', datacenter: 'tc', pool: 'preview' },
  ],
};

const plan = (overrides: Record<string, unknown> = {}) => ({
  releases: [{ service: 'web', image: '2.0.0', configVersion: 2 }, { service: 'worker', image: '2.0.0' }],
  targetDatacenters: ['tc', 'yf'],
  preview: { hosts: { names: ['tc-p'] }, checks: [] },
  batch: { size: { count: 1 } },
  rollback: { steps: [{ roles: ['processor'], what: 'code' }, { services: ['web'], what: 'both' }] },
  ...overrides,
});

describe('plan validation against the fleet', () => {
  it('accepts a plan that fits the fleet', () => {
    expect(validatePlanAgainstFleet(plan(), fleet)).toEqual([]);
  });

  it('lists every problem at once, each with its path', () => {
    const problems = validatePlanAgainstFleet(
      plan({
        releases: [{ service: 'web', image: '2', configVersion: 9 }, { service: 'ghost', image: '1' }, { service: 'worker', image: '2' }],
        targetDatacenters: ['tc', 'empty'],
        preview: { hosts: { names: ['tc-1', 'nope'] } },
        batch: { size: { count: 4 } },
        rollback: { steps: [{ services: ['web'], what: 'code' }, { roles: ['cache'], what: 'code' }] },
      }),
      fleet,
    );
    expect(problems).toEqual([
      { path: 'releases.0.configVersion', message: 'service "web" has no config version 9' },
      { path: 'releases.1.service', message: 'unknown service "ghost"' },
      { path: 'targetDatacenters.1', message: 'datacenter "empty" has no production hosts' },
      { path: 'batch.size.count', message: '4 is larger than the fleet (2 production hosts in the target datacenters)' },
      { path: 'preview.hosts.names.0', message: 'host "tc-1" is not in the preview pool' },
      { path: 'preview.hosts.names.1', message: 'unknown host "nope"' },
      { path: 'rollback.steps.1.roles.0', message: 'no service released by this plan has the role "cache"' },
      { path: 'rollback.steps', message: 'service "worker" (role processor) is not covered by any rollback step' },
    ]);
  });

  it('refuses a batch of zero and more preview hosts than the pool has', () => {
    expect(validatePlanAgainstFleet(plan({ batch: { size: { count: 0 } }, preview: { hosts: { count: 2 } } }), fleet)).toEqual([
      { path: 'batch.size.count', message: 'must be at least 1' },
      { path: 'preview.hosts.count', message: '2 preview hosts asked for, the preview pool has 1' },
    ]);
  });

  it('says nothing about parts it cannot read, leaving them to the schema', () => {
    expect(validatePlanAgainstFleet({ releases: 'web', batch: 3, rollback: null }, fleet)).toEqual([]);
    expect(validatePlanAgainstFleet('not an object', fleet)).toEqual([]);
  });
});
