// The signal collector: every interval, one sample per managed container of this host
// (health probed once, restarts, CPU and memory, access and error lines from its log since
// the last read), sent to the control plane as `host:signals`. Counters are deltas since
// the container's previous sample; what that needs (cursors, counters) is kept in memory
// here, and an agent restart starts a new baseline. A round commits its memory only when
// it completes: an engine that stops answering means no sample that round, and the next
// round covers the gap. Nothing here throws out of the loop.
import {
  ContainerSignals,
  type HostSignals,
} from '../../../../libs/protocol/src/index.js';
import {
  EngineError,
  EngineUnreachableError,
  RELEASE_LABEL,
  SERVICE_LABEL,
  type ContainerEngine,
  type HostContainer,
} from '../container-engine.js';
import type { Logger } from '../logger.js';
import { observationFromLabels } from './container-observation.js';
import { countRestarts, cpuPercent, type ContainerMemory } from './container-sample.js';
import { probeOnce } from './health-probe.js';
import { cursorAtSecond, sinceSeconds } from './log-cursor.js';
import { DEFAULT_LOG_LIMITS, MAX_LINE_BYTES, tallyLogLines, type LogLimits } from './log-reader.js';

export type SignalsEngine = Pick<ContainerEngine, 'listHostContainers' | 'inspectRuntime' | 'stats' | 'logLines' | 'exec'>;

/** What became of one sample sent to the control plane. */
export type SignalsDelivery = { kind: 'acknowledged' } | { kind: 'not-registered' } | { kind: 'refused'; code: string; message: string };

export interface SignalCollectorOptions {
  engine: SignalsEngine;
  hostname: string;
  intervalMs: number;
  /** Sends one sample; resolves with its ack. Never called with more than one sample in flight. */
  deliver: (signals: HostSignals) => Promise<SignalsDelivery>;
  logger: Logger;
  limits?: LogLimits;
  /** Wall clock (log timestamps are wall-clock times), for tests. */
  now?: () => number;
  probe?: typeof probeOnce;
}

/** The protocol's bound on containers per sample. */
const MAX_CONTAINERS = 500;
/** Containers read at once: the engine serialises much of it anyway. */
const CONCURRENCY = 8;

type ContainerOutcome =
  | { kind: 'sampled'; signals: ContainerSignals; memory: ContainerMemory }
  /** Stopped because another container of its service took over: no sample, nothing to remember. */
  | { kind: 'handed-over' }
  /** Not a service container, or the engine refused one call: keep what we had. */
  | { kind: 'skipped' };

export class SignalCollector {
  private memory = new Map<string, ContainerMemory>();
  private readonly stopping = new AbortController();
  private readonly now: () => number;
  private readonly limits: LogLimits;
  private readonly probe: typeof probeOnce;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private previousRoundAt?: number;
  private delivering = false;
  /** The last problem logged at warn, so a lasting one is not logged every interval. */
  private engineProblem?: string;
  private deliveryProblem?: string;

  constructor(private readonly options: SignalCollectorOptions) {
    this.now = options.now ?? Date.now;
    this.limits = options.limits ?? DEFAULT_LOG_LIMITS;
    this.probe = options.probe ?? probeOnce;
  }

  /** The first round runs one interval from now, once the connection has had time to register. */
  start(): void {
    this.schedule(this.options.intervalMs);
  }

  /** No round starts after this; resolves when the one in progress (aborted) has ended. */
  async stop(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    this.stopping.abort();
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * One round: reads every container and remembers it. Undefined when there is nothing to
   * send (no containers) or the engine did not answer.
   */
  async sample(): Promise<HostSignals | undefined> {
    const startedAt = performance.now();
    const intervalMs = this.previousRoundAt === undefined ? this.options.intervalMs : Math.round(startedAt - this.previousRoundAt);
    const { engine, hostname, logger } = this.options;
    let listed: HostContainer[];
    try {
      listed = await engine.listHostContainers(hostname);
    } catch (error) {
      this.engineTrouble((error as Error).message);
      return undefined;
    }
    const candidates = listed
      .filter((c) => c.state === 'running' || c.state === 'restarting' || this.memory.get(c.id)?.running)
      .sort((a, b) => a.name.localeCompare(b.name));
    if (candidates.length > MAX_CONTAINERS) logger.warn('too many containers for one signals sample, the rest left out', { containers: candidates.length, max: MAX_CONTAINERS });
    const chosen = candidates.slice(0, MAX_CONTAINERS);
    // A round gets one interval; an aborted read keeps the lines it had.
    const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(Math.max(this.options.intervalMs, 1_000))]);
    let outcomes: ContainerOutcome[];
    try {
      outcomes = await mapLimit(chosen, CONCURRENCY, (container) => this.sampleContainer(container, listed, signal));
    } catch (error) {
      // Only an unreachable engine gets here: the whole round is dropped, memory untouched.
      this.engineTrouble((error as Error).message);
      return undefined;
    }
    if (this.engineProblem !== undefined) logger.info('signals: container engine answers again');
    this.engineProblem = undefined;

    const memory = new Map<string, ContainerMemory>();
    const containers: ContainerSignals[] = [];
    outcomes.forEach((outcome, i) => {
      const id = chosen[i]!.id;
      if (outcome.kind === 'sampled') {
        memory.set(id, outcome.memory);
        containers.push(outcome.signals);
      } else if (outcome.kind === 'skipped' && this.memory.has(id)) {
        memory.set(id, this.memory.get(id)!);
      }
    });
    this.memory = memory;
    this.previousRoundAt = startedAt;
    if (containers.length === 0) return undefined;
    return { intervalMs: Math.min(3_600_000, Math.max(1, intervalMs)), containers };
  }

  private async sampleContainer(container: HostContainer, listed: HostContainer[], signal: AbortSignal): Promise<ContainerOutcome> {
    const { engine, logger } = this.options;
    const service = container.labels[SERVICE_LABEL];
    const release = container.labels[RELEASE_LABEL];
    if (!service || !release) {
      logger.debug('signals: container without service or release label ignored', { container: container.name });
      return { kind: 'skipped' };
    }
    const previous = this.memory.get(container.id);
    try {
      const runtime = await engine.inspectRuntime(container.id);
      const running = runtime.state === 'running';
      const handedOver = listed.some(
        (other) => other.id !== container.id && other.labels[SERVICE_LABEL] === service && (other.state === 'running' || other.state === 'created'),
      );
      if (!running && previous?.running && handedOver) return { kind: 'handed-over' };
      const restarts = countRestarts(previous, runtime, handedOver);
      const observation = observationFromLabels(container.labels);
      if (observation.problems.length > 0) logger.debug('signals: unreadable labels, using defaults', { container: container.name, labels: observation.problems.join(',') });
      // First sight: the container's life so far, but at most one interval back (after an
      // agent restart, older lines were counted by the previous agent).
      const cursor = previous?.logCursor ?? cursorAtSecond(Math.max(this.now() - this.options.intervalMs, Number.isNaN(runtime.startedAt) ? 0 : runtime.startedAt));
      const [stats, healthy, logs] = await Promise.all([
        running ? engine.stats(container.id) : undefined,
        // A container that is not running fails its probe without being asked. A probe gets
        // its own timeout, even past the round's; only stopping the agent cuts it short.
        observation.health === null ? null : running ? raceAbort(this.probe(observation.health, container.id, engine), this.stopping.signal, false) : false,
        tallyLogLines(
          engine.logLines(container.id, { sinceSeconds: sinceSeconds(cursor), tty: runtime.tty, signal, maxLineBytes: MAX_LINE_BYTES }),
          cursor,
          observation.sources,
          this.limits,
        ),
      ]);
      if (logs.skippedLines > 0 || logs.unstampedLines > 0) {
        logger.debug('signals: log lines not counted', { container: container.name, overLimit: logs.skippedLines, withoutTimestamp: logs.unstampedLines });
      }
      const signals = ContainerSignals.safeParse({
        service,
        release,
        image: container.image,
        healthy,
        healthFailures: healthy === false ? 1 : 0,
        restarts: restarts.restarts,
        cpuPercent: stats ? cpuPercent(previous?.cpu, stats) : 0,
        memoryBytes: stats ? Math.round(stats.memoryBytes) : 0,
        statusCounts: logs.statusCounts,
        latencyMsSum: Math.round(logs.latencyMsSum * 1000) / 1000,
        latencyCount: logs.latencyCount,
        errorLines: logs.errorLines,
      });
      if (!signals.success) {
        logger.warn('signals: container left out, its sample does not fit the protocol', { container: container.name, reason: signals.error.message });
        return { kind: 'skipped' };
      }
      const memory: ContainerMemory = {
        running,
        restartCount: restarts.restartCount,
        unclaimedStops: restarts.unclaimedStops,
        ...(stats ? { cpu: { totalNs: stats.cpuTotalNs, systemNs: stats.systemCpuNs } } : {}),
        logCursor: logs.cursor,
      };
      return { kind: 'sampled', signals: signals.data, memory };
    } catch (error) {
      if (error instanceof EngineUnreachableError) throw error;
      // Gone between the list and the inspect (404), or one call refused: next round.
      const gone = error instanceof EngineError && error.statusCode === 404;
      logger.debug(gone ? 'signals: container gone while sampled' : 'signals: container not sampled', { container: container.name, reason: (error as Error).message });
      return { kind: 'skipped' };
    }
  }

  private async tick(): Promise<void> {
    const startedAt = performance.now();
    try {
      const signals = await this.sample();
      if (signals && !this.stopping.signal.aborted) this.send(signals);
    } catch (error) {
      // sample() handles what it expects; this is a bug, and the loop must go on regardless.
      this.options.logger.error('signals round failed', { reason: (error as Error).stack ?? String(error) });
    }
    this.schedule(Math.max(0, this.options.intervalMs - (performance.now() - startedAt)));
  }

  private send(signals: HostSignals): void {
    const { logger } = this.options;
    if (this.delivering) {
      // The previous sample still waits for its ack: samples are not queued.
      logger.debug('signals sample dropped: the previous one is not acknowledged yet', { containers: signals.containers.length });
      return;
    }
    this.delivering = true;
    void this.options
      .deliver(signals)
      .then(
        (delivery) => {
          if (delivery.kind === 'acknowledged') {
            if (this.deliveryProblem !== undefined) logger.info('signals acknowledged again');
            this.deliveryProblem = undefined;
            logger.debug('signals acknowledged', { containers: signals.containers.length });
          } else if (delivery.kind === 'not-registered') {
            logger.debug('signals sample dropped: not registered');
          } else {
            this.deliveryTrouble(delivery.code, delivery.message);
          }
        },
        (error: Error) => this.deliveryTrouble('SEND_FAILED', error.message),
      )
      .finally(() => {
        this.delivering = false;
      });
  }

  private engineTrouble(reason: string): void {
    if (this.engineProblem === undefined) this.options.logger.warn('signals: container engine unreachable, no sample', { reason });
    else this.options.logger.debug('signals: container engine still unreachable', { reason });
    this.engineProblem = reason;
  }

  private deliveryTrouble(code: string, reason: string): void {
    const log = this.deliveryProblem === code ? this.options.logger.debug : this.options.logger.warn;
    log('signals sample dropped: refused or not acknowledged', { code, reason });
    this.deliveryProblem = code;
  }

  private schedule(delayMs: number): void {
    if (this.stopping.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.running = this.tick();
    }, delayMs);
  }
}

/** `work`, or `fallback` as soon as `signal` aborts (the work is left to finish on its own). */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal, fallback: T): Promise<T> {
  if (signal.aborted) return Promise.resolve(fallback);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => resolve(fallback);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Maps with at most `limit` calls in flight; rejects with the first rejection. */
async function mapLimit<T, R>(items: T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
