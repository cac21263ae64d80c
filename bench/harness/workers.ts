// The coordinator's side of the worker processes: forks them, splits the agents
// between them, and gathers what they measured.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type {
  AgentWorkerInit,
  AgentWorkerReport,
  DashboardWorkerReport,
  FromAgentWorker,
  FromDashboardWorker,
  ToAgentWorker,
  ToDashboardWorker,
} from '../workers/messages.js';
import type { AgentIdentity } from './fixtures.js';

const AGENT_WORKER = fileURLToPath(new URL('../workers/agent-worker.js', import.meta.url));
const DASHBOARD_WORKER = fileURLToPath(new URL('../workers/dashboard-worker.js', import.meta.url));

class Worker<In extends { type: string }, Out extends { type: string }> {
  readonly child: ChildProcess;
  readonly errors: string[] = [];
  last: Out | undefined;
  private readonly waiters: { type: string; resolve: (message: Out) => void }[] = [];

  constructor(script: string) {
    // TARMAC_BENCH_WORKER_NODE_ARGS: node flags for the load generators, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof-workers`.
    const extra = (process.env.TARMAC_BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    this.child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=4096', ...extra] });
    this.child.on('message', (message: Out) => {
      if (message.type === 'error') this.errors.push((message as unknown as { message: string }).message);
      if (message.type === 'progress') this.last = message;
      const index = this.waiters.findIndex((w) => w.type === message.type);
      if (index >= 0) this.waiters.splice(index, 1)[0]!.resolve(message);
    });
  }

  send(message: In): void {
    this.child.send(message);
  }

  next<T extends Out['type']>(type: T, timeoutMs = 120_000): Promise<Extract<Out, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker ${this.child.pid}: no ${type} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        type,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message as Extract<Out, { type: T }>);
        },
      });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    try {
      this.send({ type: 'stop' } as In);
    } catch {
      this.child.kill('SIGKILL');
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

export type AgentOptions = Omit<AgentWorkerInit, 'type' | 'agents' | 'serverUrl'>;

export class AgentWorkers {
  private constructor(private readonly workers: Worker<ToAgentWorker, FromAgentWorker>[]) {}

  /** Forks `count` workers (1 to 4) and hands each a share of the agents. */
  static async start(count: number, serverUrl: string, agents: AgentIdentity[], options: AgentOptions): Promise<AgentWorkers> {
    const n = Math.max(1, Math.min(4, count, agents.length));
    const workers = Array.from({ length: n }, () => new Worker<ToAgentWorker, FromAgentWorker>(AGENT_WORKER));
    await Promise.all(
      workers.map((worker, i) => {
        const ready = worker.next('ready');
        worker.send({ type: 'init', serverUrl, agents: agents.filter((_, k) => k % n === i), ...options });
        return ready;
      }),
    );
    return new AgentWorkers(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  get pids(): number[] {
    return this.workers.map((w) => w.child.pid!);
  }

  connectAll(): void {
    for (const worker of this.workers) worker.send({ type: 'connect' });
  }

  measure(on: boolean): void {
    for (const worker of this.workers) worker.send({ type: 'measure', on });
  }

  /** Registered agents according to the workers' latest progress reports. */
  registered(): number {
    return this.workers.reduce((sum, w) => sum + (w.last?.type === 'progress' ? w.last.registered : 0), 0);
  }

  connected(): number {
    return this.workers.reduce((sum, w) => sum + (w.last?.type === 'progress' ? w.last.connected : 0), 0);
  }

  errors(): string[] {
    return this.workers.flatMap((w) => w.errors);
  }

  async collect(): Promise<AgentWorkerReport[]> {
    return Promise.all(
      this.workers.map(async (worker) => {
        const reply = worker.next('collected');
        worker.send({ type: 'collect' });
        return (await reply).report;
      }),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}

export class DashboardWorkers {
  private constructor(private readonly workers: Worker<ToDashboardWorker, FromDashboardWorker>[]) {}

  static async start(count: number, serverUrl: string, token: string, subscribers: number): Promise<DashboardWorkers> {
    const n = Math.max(1, Math.min(4, count, subscribers));
    const workers = Array.from({ length: n }, () => new Worker<ToDashboardWorker, FromDashboardWorker>(DASHBOARD_WORKER));
    await Promise.all(
      workers.map((worker, i) => {
        const ready = worker.next('ready');
        const share = Math.floor(subscribers / n) + (i < subscribers % n ? 1 : 0);
        worker.send({ type: 'init', serverUrl, token, subscribers: share });
        return ready;
      }),
    );
    return new DashboardWorkers(workers);
  }

  get pids(): number[] {
    return this.workers.map((w) => w.child.pid!);
  }

  connectAll(): void {
    for (const worker of this.workers) worker.send({ type: 'connect' });
  }

  live(): number {
    return this.workers.reduce((sum, w) => sum + (w.last?.type === 'progress' ? w.last.live : 0), 0);
  }

  measure(on: boolean): void {
    for (const worker of this.workers) worker.send({ type: 'measure', on });
  }

  errors(): string[] {
    return this.workers.flatMap((w) => w.errors);
  }

  async collect(): Promise<DashboardWorkerReport[]> {
    return Promise.all(
      this.workers.map(async (worker) => {
        const reply = worker.next('collected');
        worker.send({ type: 'collect' });
        return (await reply).report;
      }),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}

export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
