// Keeps every active rollout moving: starts pending ones, lets time pass for the others
// once it can change them (deadlines, ramp, pauses between batches, judgment: the
// rollout's due_at), reports hosts whose agent is lost (at once when this process saw
// hosts leave `online`, else every few seconds), and resends commands no agent has
// acknowledged yet. Several replicas may run it: each
// rollout is decided under a row lock, and a locked one is skipped.
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DISPATCH_ACK_TIMEOUT_MS } from '../agents/agent-sockets.js';
import { Clock } from '../common/clock.js';
import { HostChanges } from '../hosts/host-changes.js';
import { RolloutRepository, type ActiveRollout } from '../rollouts/rollout.repository.js';
import { HostCommandRepository } from './host-command.repository.js';
import { RolloutEngine } from './rollout-engine.service.js';

const EVERY_MS = 500;
/**
 * Looking for lost hosts reads a rollout's whole state (about 100 ms of the database's
 * CPU at 10,000 hosts): done on every 10th pass, and at once when hosts leave `online` here.
 */
const LOST_HOSTS_EVERY_PASSES = 10;

@Injectable()
export class RolloutEnginePoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RolloutEnginePoller.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private passes = 0;
  private lostHostsDue = true;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly db: DataSource,
    private readonly engine: RolloutEngine,
    private readonly rollouts: RolloutRepository,
    private readonly commands: HostCommandRepository,
    private readonly clock: Clock,
    hostChanges: HostChanges,
  ) {
    this.unsubscribe = hostChanges.subscribe((change) => {
      if (change.kind !== 'left-online') return;
      this.lostHostsDue = true;
      this.poke();
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.poke(), EVERY_MS);
  }

  /** Runs a pass now (a rollout was just started: it need not wait for the next tick), or right after the one under way. */
  poke(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.poke();
      }
    });
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.unsubscribe();
    await this.running;
  }

  /** One pass over the active rollouts. */
  async pass(): Promise<void> {
    this.passes += 1;
    const lookForLostHosts = this.lostHostsDue || this.passes % LOST_HOSTS_EVERY_PASSES === 0;
    this.lostHostsDue = false;
    try {
      for (const rollout of await this.rollouts.active()) await this.move(rollout, lookForLostHosts);
      const unacknowledgedSince = new Date(this.clock.now().getTime() - DISPATCH_ACK_TIMEOUT_MS);
      for (const hostname of await this.commands.hostsWithUnsent(unacknowledgedSince)) await this.engine.resend(hostname);
    } catch (error) {
      this.logger.warn(`rollout engine pass failed: ${(error as Error).stack ?? String(error)}`);
    }
  }

  private async move({ id, status, dueAt }: ActiveRollout, lookForLostHosts: boolean): Promise<void> {
    try {
      if (status === 'pending') {
        // Another replica may have started it since the list was read.
        if ((await this.rollouts.statusOf(id)) === 'pending') await this.engine.apply(id, { type: 'start' }, undefined, false);
        return;
      }
      for (const hostname of lookForLostHosts ? await this.lostHosts(id) : []) {
        await this.engine.apply(id, { type: 'host-lost', hostname }, undefined, false);
      }
      // Before it is due a tick changes nothing (libs/domain nextDueAt): no need to read and decide the whole state.
      if (dueAt && dueAt <= this.clock.now()) await this.engine.apply(id, { type: 'tick' }, undefined, false);
    } catch (error) {
      this.logger.warn(`moving rollout ${id} failed: ${(error as Error).stack ?? String(error)}`);
    }
  }

  /** Hosts a rollout waits on whose agent the control plane no longer hears from. */
  private async lostHosts(rolloutId: string): Promise<string[]> {
    const rows: { hostname: string }[] = await this.db.query(
      `SELECT h.hostname FROM rollouts r
         CROSS JOIN LATERAL json_each(r.state->'hosts') AS progress(hostname, host)
         JOIN hosts h ON h.hostname = progress.hostname
        WHERE r.id = $1 AND r.status IN ('running', 'rolling_back') AND progress.host->>'phase' IN ('running', 'waiting')
          AND h.status <> 'online'`,
      [rolloutId],
    );
    return rows.map((row) => row.hostname);
  }
}
