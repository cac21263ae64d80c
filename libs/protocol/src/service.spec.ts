import { describeIssues } from './ack.js';
import { ContainerSpec, CreateService, ImageRepository, isConfigFilePath, ServiceConfigFiles, ServiceName, ServiceRole } from './service.js';

const http = { type: 'http', path: '/healthz', port: 8080, timeoutMs: 1000, intervalMs: 5000 } as const;
const spec = (extra: Record<string, unknown> = {}) => ({ ports: [{ container: 8080 }], healthCheck: http, ...extra });
const pathsOf = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  result.error?.issues.map((issue) => issue.path.join('.')) ?? [];

describe('service protocol', () => {
  it.each(['web', 'a', 'order-processor-2', 'x'.repeat(63)])('accepts the service name %s', (name) => {
    expect(ServiceName.safeParse(name).success).toBe(true);
  });
  it.each(['Web', '-web', 'web-', 'we_b', 'x'.repeat(64), ''])('refuses the service name %j', (name) => {
    expect(ServiceName.safeParse(name).success).toBe(false);
  });

  it.each(['frontend', 'processor', 'cache-warmer'])('accepts the role %s', (role) => expect(ServiceRole.safeParse(role).success).toBe(true));
  it.each(['Frontend', 'front end', 'proc2', ''])('refuses the role %j', (role) => expect(ServiceRole.safeParse(role).success).toBe(false));

  it.each(['web', 'team/web', '127.0.0.1:5000/team/web', 'registry.example.com/a/b/c', 'localhost:5000/web', 'ghcr.io/org/my_app.v2'])(
    'accepts the image repository %s',
    (ref) => expect(ImageRepository.safeParse(ref).success).toBe(true),
  );
  it.each(['web:1.0', 'team/web@sha256:abc', 'Team/Web', 'registry:5000/', '/web', 'a//b', 'web:', 'http://registry/web'])(
    'refuses the image repository %j',
    (ref) => expect(ImageRepository.safeParse(ref).success).toBe(false),
  );

  it('fills in defaults: tcp ports, status 200, read-only mounts, no env', () => {
    const parsed = ContainerSpec.parse(spec({ mounts: [{ source: '/srv/a', target: '/a' }] }));
    expect(parsed).toEqual({
      ports: [{ container: 8080, protocol: 'tcp' }],
      env: {},
      resources: {},
      healthCheck: { ...http, expectStatus: 200 },
      mounts: [{ source: '/srv/a', target: '/a', readOnly: true }],
      signals: { accessLog: 'common', jsonStatusField: 'status', jsonLatencyField: 'latencyMs', errorPatterns: ['ERROR', 'FATAL', 'panic:'] },
    });
  });

  it('takes a command health check as an argv array', () => {
    const parsed = ContainerSpec.parse({ healthCheck: { type: 'command', command: ['/bin/check', '--quick'], timeoutMs: 500, intervalMs: 1000 } });
    expect(parsed.healthCheck).toEqual({ type: 'command', command: ['/bin/check', '--quick'], timeoutMs: 500, intervalMs: 1000 });
  });

  it('refuses a shell string where an argv array is expected', () => {
    expect(pathsOf(ContainerSpec.safeParse(spec({ command: 'nginx -g daemon off' })))).toEqual(['command']);
    const check = { type: 'command', command: 'curl localhost', timeoutMs: 500, intervalMs: 1000 };
    expect(pathsOf(ContainerSpec.safeParse({ healthCheck: check }))).toEqual(['healthCheck.command']);
  });

  it('names every bad path at once', () => {
    const result = ContainerSpec.safeParse({
      ports: [{ container: 8080 }, { container: 8080, protocol: 'tcp' }, { container: 70000 }],
      env: { GOOD: 'x', '1BAD': 'y', 'with-dash': 'z' },
      resources: { memoryMb: 0 },
      healthCheck: { ...http, port: 9999, timeoutMs: 10_000, intervalMs: 5000 },
      mounts: [{ source: 'relative', target: '/a' }, { source: '/srv/../etc', target: '/b' }],
      extra: true,
    });
    expect(result.success).toBe(false);
    expect(pathsOf(result).sort()).toEqual(
      ['', 'ports.2.container', 'resources.memoryMb', 'mounts.0.source', 'mounts.1.source', 'env.1BAD', 'env.with-dash', 'ports.1.container', 'healthCheck.port', 'healthCheck.timeoutMs'].sort(),
    );
    const crossField = ContainerSpec.safeParse({
      ports: [{ container: 8080 }, { container: 8080, protocol: 'tcp' }, { container: 53, host: 53, protocol: 'udp' }, { container: 54, host: 53, protocol: 'udp' }],
      env: { GOOD: 'x', '1BAD': 'y', 'with-dash': 'z' },
      healthCheck: { ...http, port: 53, timeoutMs: 10_000, intervalMs: 5000 },
      mounts: [{ source: '/a', target: '/x' }, { source: '/b', target: '/x' }],
    });
    expect(pathsOf(crossField)).toEqual([
      'env.1BAD',
      'env.with-dash',
      'ports.1.container',
      'ports.3.host',
      'mounts.1.target',
      'healthCheck.port',
      'healthCheck.timeoutMs',
    ]);
  });

  it('builds a create body from a definition and a name, refusing unknown keys', () => {
    const body = { name: 'web', role: 'frontend', imageRepository: '127.0.0.1:5000/team/web', container: spec() };
    expect(CreateService.parse(body).name).toBe('web');
    const bad = CreateService.safeParse({ ...body, name: 'Web', tag: '1.0' });
    expect(describeIssues(bad.error!)).toMatch(/name: must be a lowercase DNS label/);
    expect(describeIssues(bad.error!)).toMatch(/Unrecognized key: "tag"/);
  });

  it.each(['app.conf', 'conf.d/site.conf', 'a/b/c/.env', 'nginx/mime.types'])('accepts the config path %s', (path) =>
    expect(isConfigFilePath(path)).toBe(true),
  );
  it.each(['', '/etc/passwd', '../x', 'a/../b', 'a//b', 'a/', './a', 'a\\b', 'a b', 'x'.repeat(256)])('refuses the config path %j', (path) =>
    expect(isConfigFilePath(path)).toBe(false),
  );

  it('names each bad config file and enforces the size limits', () => {
    const result = ServiceConfigFiles.safeParse({ files: { 'ok.conf': 'x', '../escape': 'y', 'big.bin': 'z'.repeat(300 * 1024) } });
    expect(pathsOf(result)).toEqual(['files.../escape', 'files.big.bin']);
    expect(pathsOf(ServiceConfigFiles.safeParse({ files: {} }))).toEqual(['files']);
    const many = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`f${i}`, 'y'.repeat(250 * 1024)]));
    expect(pathsOf(ServiceConfigFiles.safeParse({ files: many }))).toEqual(['files']);
  });
});
