// Proves the end-to-end helpers against the real services: if this file fails,
// every other end-to-end failure is suspect.
import { createServer } from 'node:net';
import pg from 'pg';
import { createTestDatabase, queryAt } from './database.js';
import { removeTestContainers, startManagedContainer, testEngine } from './engine.js';
import { killAll, spawnProcess } from './processes.js';
import { testEnv } from './test-env.js';
import { waitFor } from './wait.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}


afterAll(async () => {
  await killAll();
  await removeTestContainers();
});

describe('createTestDatabase', () => {
  it('creates a database with its two roles that takes writes, and drops it and them again, open connections and all', async () => {
    const database = await createTestDatabase();
    const name = new URL(database.url).pathname.slice(1);

    expect([database.ownerRole, database.appRole]).toEqual([`${name}_owner`, `${name}_app`]);
    expect((await queryAt<{ user: string }>(database.appUrl, 'SELECT current_user AS user'))[0]!.user).toBe(database.appRole);
    await queryAt(database.url, 'CREATE TABLE t (v text); INSERT INTO t VALUES ($$hello$$)');
    expect(await queryAt(database.url, 'SELECT v FROM t')).toEqual([{ v: 'hello' }]);

    const lingering = new pg.Client({ connectionString: database.url });
    await lingering.connect();
    lingering.on('error', () => {}); // terminated by drop(), as intended
    await database.drop();

    const left = await queryAt(testEnv().databaseUrl, 'SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    expect(left).toEqual([]);
    // Roles are cluster-wide: its two go with it.
    const roles = await queryAt(testEnv().databaseUrl, 'SELECT rolname FROM pg_roles WHERE rolname = ANY($1)', [[database.ownerRole, database.appRole]]);
    expect(roles).toEqual([]);
    await lingering.end().catch(() => {});
  });
});

describe('startManagedContainer', () => {
  it('runs the v1 test image, labelled, answering "v1" on its port, and removeTestContainers removes it', async () => {
    const port = await freePort();
    const container = await startManagedContainer({
      hostname: 'support-h1',
      name: `support-h1-web-${port}`,
      image: testEnv().imageV1,
      port,
    });

    const body = await waitFor(
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/`);
        return response.ok ? (await response.text()).trim() : undefined;
      },
      { timeoutMs: 15_000, description: `the v1 container answering on port ${port}` },
    );
    expect(body).toBe('v1');

    const info = await container.inspect();
    expect(info.Config.Labels).toMatchObject({
      'tarmac.managed': 'true',
      'tarmac.host': 'support-h1',
      'tarmac.test': 'true',
    });

    await removeTestContainers();
    const left = await testEngine().listContainers({ all: true, filters: { id: [container.id] } });
    expect(left).toEqual([]);
  });
});

describe('spawnProcess', () => {
  it('captures output, waits for a line and kills the process', async () => {
    const child = spawnProcess(process.execPath, [
      '-e',
      'console.log("listening on " + process.env.GREETING); console.error("to stderr"); setInterval(() => {}, 1000)',
    ], { env: { GREETING: 'hello' } });

    const match = await child.waitForOutput(/listening on (\w+)/, 5_000);
    expect(match[1]).toBe('hello');
    await child.waitForOutput(/to stderr/, 5_000);

    const exit = await child.kill('SIGTERM');
    expect(exit.signal).toBe('SIGTERM');
  });

  it('rejects waitForOutput when the process exits first', async () => {
    const child = spawnProcess(process.execPath, ['-e', 'console.log("bye"); process.exit(3)']);
    await expect(child.waitForOutput(/never/, 5_000)).rejects.toThrow(/exited \(code 3/);
  });
});

describe('waitFor', () => {
  it('names what it waited for on timeout', async () => {
    await expect(waitFor(() => false, { timeoutMs: 200, intervalMs: 20, description: 'the moon' })).rejects.toThrow(
      'timed out after 200 ms waiting for the moon',
    );
  });
});
