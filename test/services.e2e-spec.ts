// Given a control plane whose mount allow-list is /srv/tarmac, operators register
// services with container specs, replace them (revision + 1) and add versioned config
// files; the control plane refuses what it will not run, naming every bad path, and
// writes nothing for a refused request.
import { createUserWithToken, queryDatabase, rowCounts } from './support/api.js';
import { startTestControlPlane, type TestControlPlane } from './support/control-plane.js';

const web = {
  name: 'web',
  role: 'frontend',
  imageRepository: '127.0.0.1:5000/team/web',
  container: {
    ports: [{ container: 8080, host: 18080 }],
    env: { LOG_LEVEL: 'info' },
    command: ['/bin/httpd', '-f', '-p', '8080'],
    resources: { memoryMb: 256, cpus: 0.5 },
    healthCheck: { type: 'http', path: '/healthz', port: 8080, timeoutMs: 1000, intervalMs: 5000 },
    mounts: [{ source: '/srv/tarmac/web', target: '/data', readOnly: false }],
  },
};

describe('services', () => {
  let cp: TestControlPlane;
  let admin: string;
  let operator: string;
  let engineer: string;
  const TABLES = ['services', 'service_configs', 'audit_log'];

  beforeAll(async () => {
    cp = await startTestControlPlane({ TARMAC_MOUNT_ALLOW_LIST: '/srv/tarmac' });
    admin = `Bearer ${cp.adminToken}`;
    operator = `Bearer ${await createUserWithToken(cp, 'olga', ['operator'])}`;
    engineer = `Bearer ${await createUserWithToken(cp, 'ed', ['engineer'])}`;
  });
  afterAll(() => cp?.close());

  it('registers a service with its defaults filled in, for an operator', async () => {
    const created = await cp.http().post('/api/v1/services').set('Authorization', operator).send(web).expect(201);
    expect(created.body).toEqual({
      name: 'web',
      role: 'frontend',
      imageRepository: '127.0.0.1:5000/team/web',
      container: {
        ...web.container,
        ports: [{ container: 8080, host: 18080, protocol: 'tcp' }],
        healthCheck: { ...web.container.healthCheck, expectStatus: 200 },
        // How the agent reads its logs: Common Log Format access lines, the usual error words.
        signals: { accessLog: 'common', jsonStatusField: 'status', jsonLatencyField: 'latencyMs', errorPatterns: ['ERROR', 'FATAL', 'panic:'] },
      },
      revision: 1,
      createdAt: expect.any(String),
      updatedAt: created.body.createdAt,
    });
    await cp.http().get('/api/v1/services/web').set('Authorization', engineer).expect(200, created.body);
    const listed = await cp.http().get('/api/v1/services').set('Authorization', engineer).expect(200);
    expect(listed.body).toEqual([created.body]);
  });

  it('replaces the definition and counts revisions; the audit log keeps before and after', async () => {
    const processor = {
      role: 'processor',
      imageRepository: '127.0.0.1:5000/team/web-worker',
      container: { healthCheck: { type: 'command', command: ['/bin/check'], timeoutMs: 500, intervalMs: 1000 } },
    };
    const replaced = await cp.http().put('/api/v1/services/web').set('Authorization', admin).send(processor).expect(200);
    expect(replaced.body).toMatchObject({ name: 'web', role: 'processor', revision: 2, container: { ports: [], env: {}, mounts: [] } });
    const again = await cp.http().put('/api/v1/services/web').set('Authorization', operator).send({ ...web, name: undefined }).expect(200);
    expect(again.body).toMatchObject({ role: 'frontend', revision: 3 });

    const entries = await queryDatabase<{ actor_name: string; action: string; before: { revision: number } | null; after: { revision: number; role: string } }>(
      cp,
      `SELECT actor_name, action, before, after FROM audit_log WHERE entity_type = 'service' ORDER BY id`,
    );
    expect(entries.map((e) => [e.actor_name, e.action, e.before?.revision ?? null, e.after.revision, e.after.role])).toEqual([
      ['olga', 'service.created', null, 1, 'frontend'],
      ['admin', 'service.updated', 1, 2, 'processor'],
      ['olga', 'service.updated', 2, 3, 'frontend'],
    ]);
  });

  it('refuses privileged containers, the host PID namespace and mounts outside the allow-list, naming each path', async () => {
    const before = await rowCounts(cp, TABLES);
    const container = {
      ...web.container,
      privileged: true,
      pidMode: 'host',
      mounts: [
        { source: '/srv/tarmac/ok', target: '/ok' },
        { source: '/etc', target: '/host-etc' },
        { source: '/srv/tarmac-other', target: '/other' },
      ],
    };
    const refused = await cp.http().post('/api/v1/services').set('Authorization', operator).send({ ...web, name: 'api', container }).expect(400);
    expect(refused.body.error).toBe('CONTAINER_SPEC_REFUSED');
    expect(refused.body.message.split('; ')).toEqual([
      'container.privileged: privileged containers are not allowed',
      "container.pidMode: the host's PID namespace is not allowed",
      'container.mounts.1.source: /etc is outside the mount allow-list (/srv/tarmac)',
      'container.mounts.2.source: /srv/tarmac-other is outside the mount allow-list (/srv/tarmac)',
    ]);
    expect(refused.body.issues.map((issue: { path: string }) => issue.path)).toEqual([
      'container.privileged',
      'container.pidMode',
      'container.mounts.1.source',
      'container.mounts.2.source',
    ]);
    const replace = await cp.http().put('/api/v1/services/web').set('Authorization', operator).send({ ...web, name: undefined, container }).expect(400);
    expect(replace.body.error).toBe('CONTAINER_SPEC_REFUSED');
    expect(await rowCounts(cp, TABLES)).toEqual(before);
  });

  it('refuses a malformed service naming every bad path, and writes nothing', async () => {
    const before = await rowCounts(cp, TABLES);
    const bad = await cp
      .http()
      .post('/api/v1/services')
      .set('Authorization', operator)
      .send({
        name: 'Not_A_Label',
        role: 'Front End',
        imageRepository: '127.0.0.1:5000/team/web:1.0',
        container: {
          ports: [{ container: 8080, protocol: 'sctp' }],
          env: { 'BAD-NAME': 'x' },
          command: 'httpd -f',
          healthCheck: { type: 'tcp', port: 8080 },
          mounts: [{ source: 'relative/path', target: '/data' }],
        },
      })
      .expect(400);
    expect(bad.body.error).toBe('VALIDATION_FAILED');
    expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(
      ['name', 'role', 'imageRepository', 'container.ports.0.protocol', 'container.command', 'container.healthCheck.type', 'container.mounts.0.source'].sort(),
    );
    const envOnly = await cp
      .http()
      .post('/api/v1/services')
      .set('Authorization', operator)
      .send({ ...web, name: 'envs', container: { ...web.container, mounts: [], env: { 'BAD-NAME': 'x', GOOD: 'y' } } })
      .expect(400);
    expect(envOnly.body.issues).toEqual([{ path: 'container.env.BAD-NAME', message: expect.stringMatching(/environment variable name/) }]);
    expect(await rowCounts(cp, TABLES)).toEqual(before);
  });

  it('answers 401, 403, 404 and 409 distinctly, writing nothing', async () => {
    const before = await rowCounts(cp, TABLES);
    await cp.http().get('/api/v1/services').expect(401);
    await cp.http().post('/api/v1/services').send(web).expect(401);
    const forbidden = await cp.http().post('/api/v1/services').set('Authorization', engineer).send(web).expect(403);
    expect(forbidden.body.message).toMatch(/needs the role operator; ed has engineer/);
    await cp.http().put('/api/v1/services/web').set('Authorization', engineer).send(web).expect(403);
    await cp.http().post('/api/v1/services/web/configs').set('Authorization', engineer).send({ files: { a: 'b' } }).expect(403);
    const exists = await cp.http().post('/api/v1/services').set('Authorization', operator).send(web).expect(409);
    expect(exists.body.error).toBe('SERVICE_EXISTS');
    const { name: _, ...definition } = web;
    const missing = await cp.http().put('/api/v1/services/ghost').set('Authorization', operator).send(definition).expect(404);
    expect(missing.body.error).toBe('SERVICE_NOT_FOUND');
    await cp.http().get('/api/v1/services/ghost').set('Authorization', engineer).expect(404);
    await cp.http().post('/api/v1/services/ghost/configs').set('Authorization', operator).send({ files: { a: 'b' } }).expect(404);
    expect(await rowCounts(cp, TABLES)).toEqual(before);
  });

  it('numbers config versions 1, 2, ... per service and serves each one as written', async () => {
    const v1 = await cp.http().post('/api/v1/services/web/configs').set('Authorization', operator).send({ files: { 'nginx.conf': 'worker_processes 1;\n', 'conf.d/site.conf': 'server {}\n' } }).expect(201);
    expect(v1.body).toEqual({ service: 'web', version: 1, createdBy: 'olga', createdAt: expect.any(String) });
    const v2 = await cp.http().post('/api/v1/services/web/configs').set('Authorization', admin).send({ files: { 'nginx.conf': 'worker_processes 4;\n' } }).expect(201);
    expect(v2.body.version).toBe(2);

    const got = await cp.http().get('/api/v1/services/web/configs/1').set('Authorization', engineer).expect(200);
    expect(got.body).toEqual({ ...v1.body, files: { 'nginx.conf': 'worker_processes 1;\n', 'conf.d/site.conf': 'server {}\n' } });
    const second = await cp.http().get('/api/v1/services/web/configs/2').set('Authorization', engineer).expect(200);
    expect(second.body).toMatchObject({ version: 2, createdBy: 'admin', files: { 'nginx.conf': 'worker_processes 4;\n' } });
    const missing = await cp.http().get('/api/v1/services/web/configs/3').set('Authorization', engineer).expect(404);
    expect(missing.body.error).toBe('SERVICE_CONFIG_NOT_FOUND');
    await cp.http().get('/api/v1/services/ghost/configs/1').set('Authorization', engineer).expect(404);
    await cp.http().get('/api/v1/services/web/configs/one').set('Authorization', engineer).expect(400);
    await cp.http().get('/api/v1/services/web/configs/99999999999').set('Authorization', engineer).expect(404);
    await cp.http().get('/api/v1/services/web/configs/-1').set('Authorization', engineer).expect(404);

    const [audited] = await queryDatabase<{ entity_id: string; after: unknown }>(cp, `SELECT entity_id, after FROM audit_log WHERE action = 'service-config.created' ORDER BY id LIMIT 1`);
    expect(audited).toEqual({
      entity_id: 'web/1',
      after: { version: 1, files: { 'conf.d/site.conf': expect.stringMatching(/^sha256:[0-9a-f]{64}$/), 'nginx.conf': expect.stringMatching(/^sha256:/) } },
    });
  });

  it('gives concurrent config uploads distinct consecutive versions', async () => {
    await cp.http().post('/api/v1/services').set('Authorization', operator).send({ ...web, name: 'busy' }).expect(201);
    const uploads = await Promise.all(
      Array.from({ length: 8 }, (_, i) => cp.http().post('/api/v1/services/busy/configs').set('Authorization', operator).send({ files: { 'n.conf': `${i}` } })),
    );
    expect(uploads.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(uploads.map((r) => r.body.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('refuses config paths that could escape the config root, and oversized files, naming each', async () => {
    const before = await rowCounts(cp, TABLES);
    const bad = await cp
      .http()
      .post('/api/v1/services/web/configs')
      .set('Authorization', operator)
      .send({ files: { 'ok.conf': 'x', '../../etc/passwd': 'y', '/abs.conf': 'z', 'big.bin': 'b'.repeat(300 * 1024) } })
      .expect(400);
    expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['files.../../etc/passwd', 'files./abs.conf', 'files.big.bin'].sort());
    await cp.http().post('/api/v1/services/web/configs').set('Authorization', operator).send({ files: {} }).expect(400);
    await cp.http().post('/api/v1/services/web/configs').set('Authorization', operator).send({ files: { a: 1 } }).expect(400);
    expect(await rowCounts(cp, TABLES)).toEqual(before);
  });
});

describe('services with the default (empty) mount allow-list', () => {
  let cp: TestControlPlane;
  beforeAll(async () => (cp = await startTestControlPlane()));
  afterAll(() => cp?.close());

  it('refuses every bind mount and accepts a service without one', async () => {
    const admin = `Bearer ${cp.adminToken}`;
    const refused = await cp.http().post('/api/v1/services').set('Authorization', admin).send(web).expect(400);
    expect(refused.body.message).toBe('container.mounts.0.source: /srv/tarmac/web: bind mounts are not allowed (the mount allow-list is empty)');
    expect(await rowCounts(cp, ['services', 'audit_log'])).toEqual({ services: 0, audit_log: 0 });
    await cp.http().post('/api/v1/services').set('Authorization', admin).send({ ...web, container: { ...web.container, mounts: [] } }).expect(201);
  });
});
