import { buildHeartbeat, buildRegistration, type HostIdentity } from './host-report.js';

const host: HostIdentity = { hostname: 'web-1', datacenter: 'dc-1', labels: { tier: 'web' }, agentVersion: '0.1.0' };
const engine = { name: 'Podman Engine', version: '4.3.1', apiVersion: '1.41' };
const container = { id: 'abc123', name: 'web-1-app', image: 'localhost/app:1', state: 'running' };

describe('buildRegistration', () => {
  it('combines the host, the engine and what the engine showed', () => {
    expect(buildRegistration(host, engine, { status: 'reachable', containers: [container] }, 7)).toEqual({
      ...host,
      lastCommandSeq: 7,
      engine: { ...engine, status: 'reachable' },
      containers: [container],
    });
  });

  it('registers an unreachable engine without claiming to know its containers', () => {
    const registration = buildRegistration(host, engine, { status: 'unreachable', reason: 'ENOENT' }, 0);
    expect(registration.engine.status).toBe('unreachable');
    expect(registration).not.toHaveProperty('containers');
  });

  it('fails loudly on a payload the control plane would refuse', () => {
    expect(() => buildRegistration({ ...host, datacenter: 'Not Valid' }, engine, { status: 'reachable', containers: [] }, 0)).toThrow(
      /datacenter/,
    );
  });
});

describe('buildHeartbeat', () => {
  it('carries the containers when the engine answered', () => {
    expect(buildHeartbeat({ status: 'reachable', containers: [container] })).toEqual({
      engine: { status: 'reachable' },
      containers: [container],
    });
  });

  it('omits the containers when it did not (unknown, not empty)', () => {
    expect(buildHeartbeat({ status: 'unreachable', reason: 'no answer within 2000 ms' })).toEqual({
      engine: { status: 'unreachable' },
    });
  });
});
