// What commands and the signal collector need from the container engine: pull, the
// containers of one service or of this host, create/start/stop/remove, exec, inspect,
// stats and logs. The only file besides engine.ts that speaks dockerode. Transport failures become EngineUnreachableError, answers with an HTTP
// status become EngineError, so executors can tell "engine down" from "engine said no".
import { Writable, type Readable } from 'node:stream';
import Docker from 'dockerode';
import { HOST_LABEL, MANAGED_LABEL } from '../../../libs/protocol/src/index.js';
import { LogLineSplitter } from './signals/log-stream.js';

export const SERVICE_LABEL = 'tarmac.service';
export const RELEASE_LABEL = 'tarmac.release';
/** Hash of the create options: a container is reused for a release only if it was made from the same spec. */
export const SPEC_HASH_LABEL = 'tarmac.spec-hash';
/** JSON of the service's health check, so the signal collector can probe the container after an agent restart. */
export const HEALTH_LABEL = 'tarmac.health';
/** JSON of the service's signal sources (how to read its logs). */
export const SIGNALS_LABEL = 'tarmac.signals';

export interface ServiceContainer {
  id: string;
  name: string;
  image: string;
  running: boolean;
  /** Milliseconds since the epoch, for ordering. */
  createdAt: number;
  labels: Record<string, string>;
}

export interface ContainerCreation {
  name: string;
  image: string;
  env: string[];
  cmd?: string[];
  labels: Record<string, string>;
  hostConfig: Docker.HostConfig;
}

export interface ExecOutcome {
  exitCode: number | null;
  output: string;
}

export interface ContainerState {
  running: boolean;
  status: string;
  exitCode: number;
  /** The engine's error, and the last lines the container wrote. */
  detail: string;
}

/** One entry of the host's container list (no inspect: cheap enough for every few seconds). */
export interface HostContainer {
  id: string;
  name: string;
  image: string;
  /** The engine's state: `created`, `running`, `restarting`, `exited`, `paused`, `dead`, ... */
  state: string;
  labels: Record<string, string>;
}

/** What the signal collector inspects of a container. */
export interface ContainerRuntime {
  state: string;
  /** Restarts the engine made (restart policy). */
  restartCount: number;
  /** With a TTY the logs are raw, without frame headers. */
  tty: boolean;
  /** Milliseconds since the epoch; NaN when never started. */
  startedAt: number;
}

/** One reading of the engine's cumulative counters (`/containers/{id}/stats`, not streamed). */
export interface ContainerStats {
  /** Nanoseconds of CPU the container used since it started. */
  cpuTotalNs: number;
  /** Nanoseconds of CPU the host used, all cores; 0 when the engine does not say. */
  systemCpuNs: number;
  onlineCpus: number;
  /** The engine's own previous reading; zero when it has none (Podman, `one-shot`). */
  preCpuTotalNs: number;
  preSystemCpuNs: number;
  /** Memory in use, without the reclaimable page cache (as `docker stats` shows it). */
  memoryBytes: number;
}

export interface LogRead {
  /** Whole seconds since the epoch; lines from that second on, inclusive. */
  sinceSeconds: number;
  tty: boolean;
  /** Aborting it ends the read (the lines so far stand). */
  signal: AbortSignal;
  /** A longer line is cut to this many bytes. */
  maxLineBytes: number;
}

export interface ContainerEngine {
  /** Resolves when the image is present; rejects with EngineError carrying the registry's message. */
  pullImage(image: string, onStatus?: (status: string) => void): Promise<void>;
  /** Managed containers of `service` on `hostname`, in every state. */
  listServiceContainers(hostname: string, service: string): Promise<ServiceContainer[]>;
  createContainer(creation: ContainerCreation): Promise<string>;
  /** Starting a running container or stopping a stopped one is not an error. */
  startContainer(id: string): Promise<void>;
  stopContainer(id: string, timeoutSeconds?: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  containerState(id: string): Promise<ContainerState>;
  exec(id: string, argv: string[], timeoutMs: number): Promise<ExecOutcome>;
  /** Managed containers of `hostname`, every service, in every state. */
  listHostContainers(hostname: string): Promise<HostContainer[]>;
  inspectRuntime(id: string): Promise<ContainerRuntime>;
  stats(id: string): Promise<ContainerStats>;
  /**
   * Stdout and stderr since `sinceSeconds`, each line prefixed with its RFC 3339
   * timestamp, streamed: the caller stops reading when it has had enough.
   */
  logLines(id: string, read: LogRead): AsyncIterable<string>;
}

/** The engine did not answer (socket missing, refused, reset, timed out). */
export class EngineUnreachableError extends Error {
  override readonly name = 'EngineUnreachableError';
}

/** The engine answered and refused; `statusCode` is its HTTP status (0 for a stream error). */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export class DockerContainerEngine implements ContainerEngine {
  private readonly docker: Docker;

  constructor(readonly socketPath: string) {
    this.docker = new Docker({ socketPath });
  }

  async pullImage(image: string, onStatus?: (status: string) => void): Promise<void> {
    const stream = await engineCall(() => this.docker.pull(image));
    await new Promise<void>((resolve, reject) => {
      let failure: string | undefined;
      // Podman and Docker report registry errors (unknown tag, registry down) as events in
      // the stream, after a 200: every event is checked, the first error wins.
      const onEvent = (event: PullEvent) => {
        const message = event.errorDetail?.message ?? event.error;
        if (message && failure === undefined) failure = message;
        else if (event.status) onStatus?.(event.status);
      };
      this.docker.modem.followProgress(
        stream,
        (error: Error | null) => {
          if (error) reject(translate(error));
          else if (failure !== undefined) reject(new EngineError(0, failure));
          else resolve();
        },
        onEvent,
      );
    });
  }

  async listServiceContainers(hostname: string, service: string): Promise<ServiceContainer[]> {
    const listed = await engineCall(() =>
      this.docker.listContainers({
        all: true,
        filters: { label: [`${MANAGED_LABEL}=true`, `${HOST_LABEL}=${hostname}`, `${SERVICE_LABEL}=${service}`] },
      }),
    );
    // The list's `Created` has whole seconds; replacements are faster than that, so inspect.
    return Promise.all(
      listed.map(async (summary) => {
        const details = await engineCall(() => this.docker.getContainer(summary.Id).inspect());
        return {
          id: summary.Id,
          name: details.Name.replace(/^\//, ''),
          image: summary.Image,
          running: details.State.Running,
          createdAt: Date.parse(details.Created),
          labels: details.Config.Labels ?? {},
        };
      }),
    );
  }

  async createContainer(creation: ContainerCreation): Promise<string> {
    const container = await engineCall(() =>
      this.docker.createContainer({
        name: creation.name,
        Image: creation.image,
        Env: creation.env,
        ...(creation.cmd ? { Cmd: creation.cmd } : {}),
        Labels: creation.labels,
        HostConfig: creation.hostConfig,
      }),
    );
    return container.id;
  }

  async startContainer(id: string): Promise<void> {
    await engineCall(() => this.docker.getContainer(id).start(), [304]);
  }

  async stopContainer(id: string, timeoutSeconds = 10): Promise<void> {
    await engineCall(() => this.docker.getContainer(id).stop({ t: timeoutSeconds }), [304]);
  }

  async removeContainer(id: string): Promise<void> {
    await engineCall(() => this.docker.getContainer(id).remove({ force: true }), [404]);
  }

  async containerState(id: string): Promise<ContainerState> {
    const container = this.docker.getContainer(id);
    const { State: state } = await engineCall(() => container.inspect());
    if (state.Running) return { running: true, status: state.Status, exitCode: state.ExitCode, detail: '' };
    const logs = await engineCall(() => container.logs({ stdout: true, stderr: true, tail: 5, follow: false })).catch(() => Buffer.alloc(0));
    const detail = [state.Error, demux(logs).trim()].filter(Boolean).join('; ');
    return { running: false, status: state.Status, exitCode: state.ExitCode, detail };
  }

  async exec(id: string, argv: string[], timeoutMs: number): Promise<ExecOutcome> {
    const exec = await engineCall(() =>
      this.docker.getContainer(id).exec({ Cmd: argv, AttachStdout: true, AttachStderr: true }),
    );
    const stream = await engineCall(() => exec.start({ hijack: true, stdin: false }));
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    this.docker.modem.demuxStream(stream, sink, sink);
    const finished = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', done);
    });
    const output = Buffer.concat(chunks).toString('utf8').slice(-2000);
    if (!finished) {
      stream.destroy();
      return { exitCode: null, output: `${output}(no exit within ${timeoutMs} ms)` };
    }
    const details = await engineCall(() => exec.inspect());
    return { exitCode: details.ExitCode ?? null, output };
  }

  async listHostContainers(hostname: string): Promise<HostContainer[]> {
    const listed = await engineCall(() =>
      this.docker.listContainers({ all: true, filters: { label: [`${MANAGED_LABEL}=true`, `${HOST_LABEL}=${hostname}`] }, abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) }),
    );
    return listed.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      image: c.Image,
      state: c.State,
      labels: c.Labels ?? {},
    }));
  }

  async inspectRuntime(id: string): Promise<ContainerRuntime> {
    const details = await engineCall(() => this.docker.getContainer(id).inspect({ abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) }));
    return {
      state: details.State.Status,
      restartCount: details.RestartCount ?? 0,
      tty: details.Config.Tty === true,
      startedAt: details.State.Running || details.State.Restarting ? Date.parse(details.State.StartedAt) : Number.NaN,
    };
  }

  async stats(id: string): Promise<ContainerStats> {
    // `one-shot`: Docker otherwise waits a second to fill in precpu; the collector keeps its
    // own previous reading. Podman ignores it and never fills precpu.
    const options = { stream: false, 'one-shot': true, abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) } as const;
    const stats = (await engineCall(() => this.docker.getContainer(id).stats(options as unknown as { stream: false }))) as unknown as RawStats;
    const cpu = stats.cpu_stats ?? {};
    const pre = stats.precpu_stats ?? {};
    const memory = stats.memory_stats ?? {};
    // cgroup v2 calls the reclaimable cache inactive_file, v1 total_inactive_file.
    const cache = memory.stats?.inactive_file ?? memory.stats?.total_inactive_file ?? 0;
    return {
      cpuTotalNs: cpu.cpu_usage?.total_usage ?? 0,
      systemCpuNs: cpu.system_cpu_usage ?? 0,
      onlineCpus: cpu.online_cpus ?? cpu.cpu_usage?.percpu_usage?.length ?? 1,
      preCpuTotalNs: pre.cpu_usage?.total_usage ?? 0,
      preSystemCpuNs: pre.system_cpu_usage ?? 0,
      memoryBytes: Math.max(0, (memory.usage ?? 0) - cache),
    };
  }

  async *logLines(id: string, read: LogRead): AsyncIterable<string> {
    // dockerode buffers a whole non-follow log body; the modem's stream mode lets the
    // reader stop early, so memory stays bounded however much the container wrote.
    const stream = await engineCall(
      () =>
        new Promise<Readable>((resolve, reject) => {
          this.docker.modem.dial(
            {
              path: `/containers/${encodeURIComponent(id)}/logs?`,
              method: 'GET',
              isStream: true,
              abortSignal: read.signal,
              statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
              options: { stdout: true, stderr: true, timestamps: true, follow: false, since: read.sinceSeconds },
            },
            (error: unknown, body: unknown) => (error ? reject(error) : resolve(body as Readable)),
          );
        }),
    );
    const splitter = new LogLineSplitter({ tty: read.tty, maxLineBytes: read.maxLineBytes });
    const onAbort = () => stream.destroy();
    read.signal.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const chunk of stream) yield* splitter.push(chunk as Buffer);
      yield* splitter.end();
    } catch (error) {
      // An aborted read ends quietly with the lines so far; anything else is the engine's.
      if (!read.signal.aborted) throw translate(error);
    } finally {
      read.signal.removeEventListener('abort', onAbort);
      stream.destroy();
    }
  }
}

/** Engine calls the signal collector makes every few seconds must not hang a round. */
const CALL_TIMEOUT_MS = 10_000;

type RawStats = {
  cpu_stats?: RawCpu;
  precpu_stats?: RawCpu;
  memory_stats?: { usage?: number; stats?: { inactive_file?: number; total_inactive_file?: number } };
};
type RawCpu = { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };

/** Log frames carry an 8-byte header (stream, 0, 0, 0, size32); keep the payloads. */
function demux(buffer: Buffer): string {
  const parts: Buffer[] = [];
  for (let at = 0; at + 8 <= buffer.length; ) {
    const size = buffer.readUInt32BE(at + 4);
    parts.push(buffer.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8').slice(-1000);
}

type PullEvent = { status?: string; error?: string; errorDetail?: { message?: string } };

/** Runs one engine call; statuses in `harmless` (304 "already started") count as success. */
async function engineCall<T>(call: () => Promise<T>, harmless: number[] = []): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const translated = translate(error);
    if (translated instanceof EngineError && harmless.includes(translated.statusCode)) return undefined as T;
    throw translated;
  }
}

function translate(error: unknown): Error {
  const failure = error as { statusCode?: number; json?: { message?: string }; reason?: string; message?: string };
  if (typeof failure.statusCode === 'number') {
    // dockerode's message is "(HTTP code 404) no such container - <engine message>"; keep the engine's words.
    const message = failure.json?.message ?? failure.reason ?? failure.message ?? `HTTP ${failure.statusCode}`;
    return new EngineError(failure.statusCode, message);
  }
  return new EngineUnreachableError(failure.message ?? String(error));
}
