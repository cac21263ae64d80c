// Whether each service on this host takes traffic, as the load balancer sees it through
// GET /lb/<service>. One status file per service in the state dir, written atomically,
// so a drained host stays drained across an agent restart. Unknown services are serving:
// nothing ever drained them.
import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDirectory } from './durable-files.js';

export type TrafficStatus = 'serving' | 'drained';

const SUFFIX = '.status';

export class TrafficState {
  private constructor(
    private readonly dir: string,
    private readonly statuses: Map<string, TrafficStatus>,
  ) {}

  static async load(stateDir: string): Promise<TrafficState> {
    const dir = join(stateDir, 'traffic');
    await mkdir(dir, { recursive: true });
    const statuses = new Map<string, TrafficStatus>();
    for (const file of await readdir(dir)) {
      if (!file.endsWith(SUFFIX)) continue;
      const content = (await readFile(join(dir, file), 'utf8')).trim();
      if (content === 'drained' || content === 'serving') statuses.set(file.slice(0, -SUFFIX.length), content);
    }
    return new TrafficState(dir, statuses);
  }

  status(service: string): TrafficStatus {
    return this.statuses.get(service) ?? 'serving';
  }

  /** Resolves once the status is on disk. */
  async set(service: string, status: TrafficStatus): Promise<void> {
    const path = join(this.dir, `${service}${SUFFIX}`);
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
    this.statuses.set(service, status);
  }
}
