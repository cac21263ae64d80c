// `npm start`'s path: the built control plane with no DATABASE_URL runs an embedded
// PostgreSQL in its data directory, prints the admin token once, and keeps its data
// across a restart.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
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

  const start = async (): Promise<{ process: ProcessHandle; url: string }> => {
    const process = spawnProcess(globalThis.process.execPath, [MAIN], {
      env: { TARMAC_DATA_DIR: dataDir, TARMAC_PORT: '0', TARMAC_HOST: '127.0.0.1', DATABASE_URL: '', TARMAC_ADMIN_TOKEN: '' },
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

  it('stops with a message naming the variable when configuration is bad', async () => {
    const bad = spawnProcess(process.execPath, [MAIN], { env: { TARMAC_PORT: 'eighty' } });
    const exit = await bad.exited;
    expect(exit.code).toBe(2);
    expect(bad.stderr).toMatch(/TARMAC_PORT: /);
  });
});
