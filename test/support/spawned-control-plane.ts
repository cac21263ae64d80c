// The built control plane (dist/apps/control-plane/src/main.js) as a child process on a
// fresh test database, for the hostile-input suite: a crash shows as an exit, and its
// event loop is its own (not jest's), so the delay read from its /metrics is the
// delay its requests caused.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { freePort } from '../../bench/harness/control-plane.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { spawnProcess, type ProcessExit, type ProcessHandle } from './processes.js';

export const CONTROL_PLANE_MAIN = fileURLToPath(new URL('../../dist/apps/control-plane/src/main.js', import.meta.url));

export interface SpawnedControlPlane {
  url: string;
  adminToken: string;
  database: TestDatabase;
  process: ProcessHandle;
  /** Set once the process has exited: a crash during a run fails the run. */
  exit(): ProcessExit | undefined;
  http(): ReturnType<typeof request>;
  /** `Authorization` header value for the admin token. */
  admin(): string;
  /** Issues an agent token through the API. */
  issueAgentToken(name: string): Promise<{ id: string; token: string }>;
  /** Creates a user with these roles through the API and returns a fresh API token of theirs. */
  userToken(name: string, roles: readonly string[]): Promise<string>;
  close(): Promise<void>;
}

export async function startSpawnedControlPlane(env: Record<string, string> = {}): Promise<SpawnedControlPlane> {
  const database = await createTestDatabase();
  const port = await freePort();
  const adminToken = `tmc_api_hostile_${randomBytes(16).toString('hex')}`;
  const child = spawnProcess(process.execPath, [CONTROL_PLANE_MAIN], {
    env: {
      DATABASE_URL: database.url,
      TARMAC_PORT: String(port),
      TARMAC_HOST: '127.0.0.1',
      TARMAC_ADMIN_TOKEN: adminToken,
      TARMAC_LOG_LEVEL: 'error',
      ...env,
    },
  });
  let exit: ProcessExit | undefined;
  void child.exited.then((value) => (exit = value));
  try {
    await child.waitForOutput(/listening on/, 60_000);
  } catch (error) {
    await child.kill('SIGKILL');
    await database.drop();
    throw error;
  }
  const url = `http://127.0.0.1:${port}`;
  const admin = () => `Bearer ${adminToken}`;
  return {
    url,
    adminToken,
    database,
    process: child,
    exit: () => exit,
    http: () => request(url),
    admin,
    async issueAgentToken(name) {
      const response = await request(url).post('/api/v1/agent-tokens').set('Authorization', admin()).send({ name }).expect(201);
      return response.body as { id: string; token: string };
    },
    async userToken(name, roles) {
      await request(url).post('/api/v1/users').set('Authorization', admin()).send({ name, roles }).expect(201);
      const issued = await request(url).post(`/api/v1/users/${name}/tokens`).set('Authorization', admin()).send({ name: 'hostile' }).expect(201);
      return issued.body.token as string;
    },
    async close() {
      const timer = setTimeout(() => void child.kill('SIGKILL'), 10_000);
      await child.kill('SIGTERM');
      clearTimeout(timer);
      await database.drop();
    },
  };
}

/**
 * The distinct errors the control plane logged in `output` (its stdout and stderr from some
 * offset), without colours, pids and timestamps, with how often each came: what failed
 * inside it that no answer showed (a batch written after its ack, a handler's own catch).
 */
export function loggedErrors(output: string): Map<string, number> {
  const errors = new Map<string, number>();
  // eslint-disable-next-line no-control-regex
  for (const line of output.replace(/\u001b\[[0-9;]*m/g, '').split('\n')) {
    const match = /^\[Nest\] \d+\s+-\s+.*?\s+ERROR\s+(.*)$/.exec(line);
    if (!match) continue;
    const text = match[1]!.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<uuid>').slice(0, 300);
    errors.set(text, (errors.get(text) ?? 0) + 1);
  }
  return errors;
}
