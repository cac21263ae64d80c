import type { Mount } from '../../protocol/src/service.js';
import { containerPolicyIssues, isAllowedMountSource } from './container-policy.js';

const mount = (source: string): Mount => ({ source, target: '/data', readOnly: true });

describe('container policy', () => {
  it('accepts a plain container with no mounts, whatever the allow-list', () => {
    expect(containerPolicyIssues({ mounts: [] }, [])).toEqual([]);
    expect(containerPolicyIssues({ privileged: false, pidMode: 'private', mounts: [] }, [])).toEqual([]);
  });

  it('refuses privileged containers and the host PID namespace, naming each path', () => {
    expect(containerPolicyIssues({ privileged: true, pidMode: 'host', mounts: [] }, ['/srv'])).toEqual([
      { path: 'privileged', message: expect.stringMatching(/not allowed/) },
      { path: 'pidMode', message: expect.stringMatching(/PID namespace/) },
    ]);
  });

  it('refuses every bind mount when the allow-list is empty', () => {
    expect(containerPolicyIssues({ mounts: [mount('/srv/data')] }, [])).toEqual([
      { path: 'mounts.0.source', message: expect.stringMatching(/allow-list is empty/) },
    ]);
  });

  it('names each mount outside the allow-list by its index', () => {
    const issues = containerPolicyIssues({ mounts: [mount('/srv/data/a'), mount('/etc'), mount('/var/lib/x')] }, ['/srv/data', '/var/lib/x']);
    expect(issues.map((issue) => issue.path)).toEqual(['mounts.1.source']);
    expect(issues[0]!.message).toMatch(/^\/etc is outside the mount allow-list \(\/srv\/data, \/var\/lib\/x\)$/);
  });

  it.each([
    ['/srv/data', ['/srv/data'], true],
    ['/srv/data/app/conf', ['/srv/data'], true],
    ['/srv/data/app', ['/srv/data/'], true],
    ['/srv/database', ['/srv/data'], false],
    ['/srv', ['/srv/data'], false],
    ['/anything', ['/'], true],
    ['/etc/passwd', ['/srv', '/opt/tarmac'], false],
  ] as const)('source %s with allow-list %j: allowed=%s', (source, allowList, allowed) => {
    expect(isAllowedMountSource(source, allowList)).toBe(allowed);
  });
});
