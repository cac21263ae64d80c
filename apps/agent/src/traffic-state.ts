// Whether each service on this host takes traffic, as the load balancer sees it through
// GET /lb/<service>. Two parties may hold a service drained, each with its own scope: a
// rollout updating this host (`host`) and an operator shifting the datacenter's traffic
// (`datacenter`). The service serves only while neither does, so one party's restore
// never undoes the other's drain. Unknown services are serving: nothing ever drained them.
//
// One file per service and scope in the state dir, written atomically, so a drained host
// stays drained across an agent restart: `<service>.status` for `host` (the name it had
// before scopes existed, so an upgraded agent keeps its state and a downgraded one still
// reads it) and `<service>.<scope>.status` for the others. Service names have no dots.
import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrafficScope } from '../../../libs/protocol/src/index.js';
import { syncDirectory } from './durable-files.js';

export type TrafficStatus = 'serving' | 'drained';

/** What one `set` did: the scope's own status and the service's, before and after. */
export interface TrafficChange {
  /** The scope's status changed (false: a repeat of the same command). */
  scopeChanged: boolean;
  before: TrafficStatus;
  after: TrafficStatus;
  /** The scopes holding the service drained after the change, in a stable order. */
  drainedBy: TrafficScope[];
}

const SUFFIX = '.status';
const SCOPES: readonly TrafficScope[] = ['host', 'datacenter'];

const fileName = (service: string, scope: TrafficScope) => (scope === 'host' ? `${service}${SUFFIX}` : `${service}.${scope}${SUFFIX}`);

/** `web.status` -> web/host, `web.datacenter.status` -> web/datacenter; anything else is not ours. */
function parseFileName(file: string): { service: string; scope: TrafficScope } | undefined {
  if (!file.endsWith(SUFFIX)) return undefined;
  const [service, scope = 'host', ...rest] = file.slice(0, -SUFFIX.length).split('.');
  if (!service || rest.length > 0 || !SCOPES.includes(scope as TrafficScope)) return undefined;
  return { service, scope: scope as TrafficScope };
}

export class TrafficState {
  private constructor(
    private readonly dir: string,
    /** Per service, the scopes holding it drained. */
    private readonly drains: Map<string, Set<TrafficScope>>,
  ) {}

  static async load(stateDir: string): Promise<TrafficState> {
    const dir = join(stateDir, 'traffic');
    await mkdir(dir, { recursive: true });
    const drains = new Map<string, Set<TrafficScope>>();
    for (const file of await readdir(dir)) {
      const parsed = parseFileName(file);
      if (!parsed) continue;
      const content = (await readFile(join(dir, file), 'utf8')).trim();
      if (content !== 'drained') continue;
      drains.set(parsed.service, (drains.get(parsed.service) ?? new Set()).add(parsed.scope));
    }
    return new TrafficState(dir, drains);
  }

  status(service: string): TrafficStatus {
    return (this.drains.get(service)?.size ?? 0) > 0 ? 'drained' : 'serving';
  }

  drainedBy(service: string): TrafficScope[] {
    const scopes = this.drains.get(service);
    return SCOPES.filter((scope) => scopes?.has(scope));
  }

  /** Sets one scope's status; resolves once it is on disk, with what changed. */
  async set(service: string, scope: TrafficScope, status: TrafficStatus): Promise<TrafficChange> {
    const before = this.status(service);
    const scopeBefore: TrafficStatus = this.drains.get(service)?.has(scope) ? 'drained' : 'serving';
    const path = join(this.dir, fileName(service, scope));
    const temporary = `${path}.tmp`;
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(`${status}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
    await syncDirectory(this.dir);
    const scopes = this.drains.get(service) ?? new Set<TrafficScope>();
    if (status === 'drained') scopes.add(scope);
    else scopes.delete(scope);
    this.drains.set(service, scopes);
    return { scopeChanged: scopeBefore !== status, before, after: this.status(service), drainedBy: this.drainedBy(service) };
  }
}
