// The setup most scenarios share: a fresh database, the real control plane on it,
// sampled from /proc, N agent tokens, and worker processes holding N simulated agents.
import { createBenchDatabase, type BenchDatabase } from './database.js';
import { startControlPlane, type RunningControlPlane } from './control-plane.js';
import { BenchFixtures, type AgentIdentity } from './fixtures.js';
import { ProcessSampler } from './process-sampler.js';
import { distribution, epochMs, Histogram, type Distribution } from './stats.js';
import { AgentWorkers, waitUntil, type AgentOptions } from './workers.js';
import type { AgentWorkerReport } from '../workers/messages.js';

export interface FleetOptions extends Partial<AgentOptions> {
  agents: number;
  workers: number;
  controlPlaneEnv?: Record<string, string>;
  /** Extra node flags for the control plane (e.g. --cpu-prof). */
  controlPlaneNodeArgs?: string[];
  log: (line: string) => void;
}

export interface StormResult {
  agents: number;
  registered: number;
  /** Agents not registered when the storm's deadline passed. */
  gaveUp: number;
  /** From the moment every worker was told to connect to the last registration ack. */
  allRegisteredMs: number;
  perAgentMs: Distribution;
  connectErrors: Record<string, number>;
  disconnects: Record<string, number>;
  registerRetries: number;
  fatalRefusals: number;
  startedAt: number;
  endedAt: number;
}

export class Fleet {
  agents: AgentIdentity[] = [];
  workers!: AgentWorkers;
  sampler!: ProcessSampler;
  private constructor(
    readonly database: BenchDatabase,
    readonly controlPlane: RunningControlPlane,
    readonly fixtures: BenchFixtures,
  ) {}

  static async start(options: FleetOptions): Promise<Fleet> {
    const database = await createBenchDatabase(options.log);
    let controlPlane: RunningControlPlane | undefined;
    try {
      controlPlane = await startControlPlane(database.url, options.controlPlaneEnv, options.controlPlaneNodeArgs);
      const fleet = new Fleet(database, controlPlane, await BenchFixtures.connect(database.url));
      fleet.sampler = new ProcessSampler(controlPlane.pid).start();
      fleet.agents = await fleet.fixtures.agentTokens(options.agents);
      fleet.workers = await AgentWorkers.start(options.workers, controlPlane.url, fleet.agents, {
        datacenter: options.datacenter ?? 'bench',
        heartbeat: options.heartbeat ?? 'unchanged',
        complete: options.complete ?? 'none',
        stepMs: options.stepMs ?? 0,
        registerTimeoutMs: options.registerTimeoutMs ?? 30_000,
      });
      return fleet;
    } catch (error) {
      await controlPlane?.stop();
      await database.drop();
      throw error;
    }
  }

  /** Every agent connects at once; resolves when all are registered or the deadline passed. */
  async storm(deadlineMs: number, log: (line: string) => void): Promise<StormResult> {
    const startedAt = epochMs();
    this.workers.connectAll();
    let lastLog = 0;
    await waitUntil(() => {
      if (Date.now() - lastLog > 2000) {
        lastLog = Date.now();
        log(`  ${this.workers.registered()}/${this.agents.length} registered after ${((epochMs() - startedAt) / 1000).toFixed(1)} s`);
      }
      return this.workers.registered() >= this.agents.length;
    }, deadlineMs, 50);
    const reports = await this.workers.collect();
    return summariseStorm(reports, startedAt, this.agents.length);
  }

  async close(): Promise<void> {
    this.sampler?.stop();
    await this.workers?.stop().catch(() => undefined);
    await this.controlPlane.stop().catch(() => undefined);
    await this.fixtures.close().catch(() => undefined);
    await this.database.drop();
  }
}

export function summariseStorm(reports: AgentWorkerReport[], startedAt: number, agents: number): StormResult {
  const times = reports.flatMap((r) => r.registeredAt).filter((t): t is number => t !== null);
  const sum = (pick: (r: AgentWorkerReport) => Record<string, number>) => {
    const total: Record<string, number> = {};
    for (const r of reports) for (const [k, v] of Object.entries(pick(r))) total[k] = (total[k] ?? 0) + v;
    return total;
  };
  const endedAt = times.length ? Math.max(...times) : NaN;
  return {
    agents,
    registered: times.length,
    gaveUp: agents - times.length,
    allRegisteredMs: times.length === agents ? endedAt - startedAt : NaN,
    perAgentMs: distribution(times.map((t) => t - startedAt)),
    connectErrors: sum((r) => r.connectErrors),
    disconnects: sum((r) => r.disconnects),
    registerRetries: reports.reduce((s, r) => s + r.registerRetries, 0),
    fatalRefusals: reports.reduce((s, r) => s + r.fatalRefusals, 0),
    startedAt,
    endedAt,
  };
}

export function mergedHeartbeatAcks(reports: AgentWorkerReport[]): Distribution {
  return Histogram.merge(reports.map((r) => r.heartbeatAckMs)).distribution();
}

/** The longest heartbeat interval the control plane last told any worker's agents (NaN: none was told). */
export function heartbeatIntervalTold(reports: AgentWorkerReport[]): number {
  const told = reports.map((r) => r.heartbeatIntervalMs).filter((ms): ms is number => ms !== null);
  return told.length > 0 ? Math.max(...told) : NaN;
}
