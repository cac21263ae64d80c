// What commands need from the container engine: pull, the containers of one service on
// this host, create/start/stop/remove, exec. The only file besides engine.ts that speaks
// dockerode. Transport failures become EngineUnreachableError, answers with an HTTP
// status become EngineError, so executors can tell "engine down" from "engine said no".
import { Writable } from 'node:stream';
import Docker from 'dockerode';
import { HOST_LABEL, MANAGED_LABEL } from '../../../libs/protocol/src/index.js';

export const SERVICE_LABEL = 'tarmac.service';
export const RELEASE_LABEL = 'tarmac.release';
/** Hash of the create options: a container is reused for a release only if it was made from the same spec. */
export const SPEC_HASH_LABEL = 'tarmac.spec-hash';

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
}

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
