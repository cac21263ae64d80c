// For signal collector tests: the engine calls the collector makes, over containers held
// in memory. Logs behave as Podman's Docker API: whole-second timestamps (unless asked
// otherwise) and `since` inclusive, so the cursor logic meets the real engine's quirks.
import { HOST_LABEL, MANAGED_LABEL } from '../../../../libs/protocol/src/index.js';
import { EngineError, EngineUnreachableError, RELEASE_LABEL, SERVICE_LABEL, type ContainerRuntime, type ContainerStats, type ExecOutcome, type HostContainer, type LogRead } from '../container-engine.js';
import type { SignalsEngine } from '../signals/signal-collector.js';

export interface MemoryContainer extends HostContainer, Omit<ContainerRuntime, 'state'> {
  stats: ContainerStats;
  /** `<RFC 3339 time> <text>`, in order. */
  log: string[];
  /** Exit code of every exec (command health checks). */
  execExitCode: number;
}

export class MemoryEngine implements SignalsEngine {
  readonly containers = new Map<string, MemoryContainer>();
  reachable = true;
  readonly logReads: { id: string; sinceSeconds: number }[] = [];
  private nextId = 1;

  constructor(readonly hostname: string) {}

  /** A running managed container of `service`/`release` on this host. */
  add(service: string, release: string, overrides: Partial<MemoryContainer> = {}): MemoryContainer {
    const id = `c${this.nextId++}`;
    const container: MemoryContainer = {
      id,
      name: `${this.hostname}-${service}-${release}`,
      image: `registry.test/${service}:${release}`,
      state: 'running',
      labels: { [MANAGED_LABEL]: 'true', [HOST_LABEL]: this.hostname, [SERVICE_LABEL]: service, [RELEASE_LABEL]: release },
      restartCount: 0,
      tty: false,
      startedAt: Date.parse('2030-01-01T00:00:00Z'),
      stats: { cpuTotalNs: 0, systemCpuNs: 0, onlineCpus: 2, preCpuTotalNs: 0, preSystemCpuNs: 0, memoryBytes: 1_000_000 },
      log: [],
      execExitCode: 0,
      ...overrides,
    };
    this.containers.set(id, container);
    return container;
  }

  /** Appends a log line stamped `atMs`, in whole seconds unless `nanos` is given. */
  write(container: MemoryContainer, atMs: number, text: string, nanos?: string): void {
    const iso = new Date(atMs).toISOString();
    const stamp = nanos === undefined ? iso.replace(/\.\d{3}Z$/, 'Z') : iso.replace(/\.\d{3}Z$/, `.${nanos}Z`);
    container.log.push(`${stamp} ${text}`);
  }

  async listHostContainers(hostname: string): Promise<HostContainer[]> {
    this.check();
    return [...this.containers.values()]
      .filter((c) => c.labels[MANAGED_LABEL] === 'true' && c.labels[HOST_LABEL] === hostname)
      .map(({ id, name, image, state, labels }) => ({ id, name, image, state, labels: { ...labels } }));
  }

  async inspectRuntime(id: string): Promise<ContainerRuntime> {
    const c = this.get(id);
    return { state: c.state, restartCount: c.restartCount, tty: c.tty, startedAt: c.startedAt };
  }

  async stats(id: string): Promise<ContainerStats> {
    const c = this.get(id);
    if (c.state !== 'running') throw new EngineError(409, `container ${id} is not running`);
    return { ...c.stats };
  }

  async *logLines(id: string, read: LogRead): AsyncIterable<string> {
    const c = this.get(id);
    this.logReads.push({ id, sinceSeconds: read.sinceSeconds });
    for (const line of [...c.log]) {
      if (read.signal.aborted) return;
      if (Date.parse(line.slice(0, line.indexOf(' '))) >= read.sinceSeconds * 1000) yield line;
    }
  }

  async exec(id: string): Promise<ExecOutcome> {
    return { exitCode: this.get(id).execExitCode, output: '' };
  }

  private get(id: string): MemoryContainer {
    this.check();
    const container = this.containers.get(id);
    if (!container) throw new EngineError(404, `no such container ${id}`);
    return container;
  }

  private check(): void {
    if (!this.reachable) throw new EngineUnreachableError('connect ENOENT /memory/engine.sock');
  }
}
