// The control plane under test: the built entry point (dist/apps/control-plane/src/main.js)
// as its own process on its own database, exactly as `npm start` runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const CONTROL_PLANE_MAIN = fileURLToPath(new URL('../../apps/control-plane/src/main.js', import.meta.url));

export interface RunningControlPlane {
  pid: number;
  url: string;
  adminToken: string;
  /** stderr and stdout, last 200 lines, for a failure message. */
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startControlPlane(databaseUrl: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<RunningControlPlane> {
  if (!existsSync(CONTROL_PLANE_MAIN)) throw new Error(`${CONTROL_PLANE_MAIN} is missing: run npm run build first`);
  const port = await freePort();
  const adminToken = `tmc_api_bench_${randomBytes(16).toString('hex')}`;
  // TARMAC_BENCH_CP_NODE_ARGS: node flags for the control plane of any scenario, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const extra = (process.env.TARMAC_BENCH_CP_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, ...extra, CONTROL_PLANE_MAIN], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TARMAC_PORT: String(port),
      TARMAC_HOST: '127.0.0.1',
      TARMAC_ADMIN_TOKEN: adminToken,
      TARMAC_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // The bench interrupted or crashed: never leave a control plane behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`control plane not listening after 60 s:\n${lines.join('\n')}`)), 60_000);
    const check = (chunk: Buffer) => {
      if (/listening on/.test(chunk.toString('utf8'))) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`control plane exited (${code}) before listening:\n${lines.join('\n')}`));
    });
  });
  return {
    pid: child.pid!,
    url: `http://127.0.0.1:${port}`,
    adminToken,
    output: () => lines.join('\n'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
