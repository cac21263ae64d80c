// The container engine as the agent sees it: liveness, identity, and the containers
// Tarmac manages for one host. Implemented over the Docker Engine API (Docker or Podman).
import Docker from 'dockerode';
import { HOST_LABEL, MANAGED_LABEL, type ManagedContainer } from '../../../libs/protocol/src/index.js';
import { engineIdentityFromVersion, type EngineIdentity } from './engine-facts.js';

export interface Engine {
  /** Resolves when the engine answers; rejects with the reason otherwise. */
  ping(): Promise<void>;
  /** Name and versions, read once and cached. */
  identity(): Promise<EngineIdentity>;
  /** Containers labelled managed and for `hostname`, in every state. */
  listManagedContainers(hostname: string): Promise<ManagedContainer[]>;
}

export interface DockerEngineOptions {
  pingTimeoutMs?: number;
  listTimeoutMs?: number;
  versionTimeoutMs?: number;
}

export class DockerEngine implements Engine {
  private readonly docker: Docker;
  private cachedIdentity?: Promise<EngineIdentity>;

  constructor(
    readonly socketPath: string,
    private readonly options: DockerEngineOptions = {},
  ) {
    this.docker = new Docker({ socketPath });
  }

  async ping(): Promise<void> {
    const timeoutMs = this.options.pingTimeoutMs ?? 2_000;
    await withTimeout(timeoutMs, (abortSignal) => untypedOptions(this.docker.ping.bind(this.docker))({ abortSignal }));
  }

  identity(): Promise<EngineIdentity> {
    // A failed read is not cached: the next call asks again.
    this.cachedIdentity ??= withTimeout(this.options.versionTimeoutMs ?? 10_000, (abortSignal) =>
      untypedOptions(this.docker.version.bind(this.docker))({ abortSignal }),
    )
      .then(engineIdentityFromVersion)
      .catch((error: unknown) => {
        this.cachedIdentity = undefined;
        throw error;
      });
    return this.cachedIdentity;
  }

  async listManagedContainers(hostname: string): Promise<ManagedContainer[]> {
    const containers = await withTimeout(this.options.listTimeoutMs ?? 10_000, (abortSignal) =>
      this.docker.listContainers({
        all: true,
        filters: { label: [`${MANAGED_LABEL}=true`, `${HOST_LABEL}=${hostname}`] },
        abortSignal,
      }),
    );
    return containers.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      image: c.Image,
      state: c.State,
    }));
  }
}

// @types/dockerode omits the options of ping() and version(); dockerode accepts abortSignal there.
function untypedOptions(method: () => Promise<unknown>): (opts: { abortSignal: AbortSignal }) => Promise<unknown> {
  return method as unknown as (opts: { abortSignal: AbortSignal }) => Promise<unknown>;
}

/** Runs `call` with an abort signal that fires after `ms`; a timeout rejects with a readable reason. */
async function withTimeout<T>(ms: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const signal = AbortSignal.timeout(ms);
  try {
    return await call(signal);
  } catch (error) {
    if (signal.aborted) throw new Error(`no answer within ${ms} ms`);
    throw error;
  }
}
