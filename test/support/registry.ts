// Registry outages for end-to-end tests: stop the test registry and start it again on
// the same address and storage (pushed images stay), through scripts/test-services.sh.
//
// The registry is shared by every test process: while it is down, pulls made by other
// spec files running in parallel fail too. Keep outages short, and always restart it
// (afterAll/finally), or run such a spec on its own (--runInBand, or alone).
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { testEnv } from './test-env.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'test-services.sh');

/** `http://<registry>/v2/`, the endpoint every registry answers. */
export function registryUrl(): string {
  return `http://${testEnv().registry}/v2/`;
}

async function services(command: 'registry-stop' | 'registry-start'): Promise<void> {
  const { registry, engineSocket } = testEnv();
  const env = {
    ...process.env,
    // test-services.sh start exports its state dir; older env files lack it, and the
    // engine socket lives in that dir.
    TARMAC_TEST_STATE_DIR: process.env.TARMAC_TEST_STATE_DIR || dirname(engineSocket),
    TARMAC_TEST_REGISTRY_PORT: new URL(`http://${registry}`).port,
  };
  try {
    await run('bash', [SCRIPT, command], { cwd: ROOT, env, timeout: 60_000 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`scripts/test-services.sh ${command} failed: ${stderr || (error as Error).message}`, { cause: error });
  }
}

/** Whether the registry answers /v2/ (any HTTP status) or refuses the connection. */
export async function registryAnswers(timeoutMs = 2_000): Promise<boolean> {
  try {
    await fetch(registryUrl(), { signal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch {
    return false;
  }
}

/** Stops the test registry; resolves once its port refuses connections. */
export async function stopRegistry(): Promise<void> {
  await services('registry-stop');
  await waitFor(async () => !(await registryAnswers()), { timeoutMs: 15_000, description: `${registryUrl()} refusing connections` });
}

/** Starts the test registry again (a no-op when it runs); resolves once /v2/ answers 200. */
export async function startRegistry(): Promise<void> {
  await services('registry-start');
  await waitFor(async () => (await fetch(registryUrl(), { signal: AbortSignal.timeout(2_000) })).ok, {
    timeoutMs: 30_000,
    description: `${registryUrl()} answering`,
  });
}
