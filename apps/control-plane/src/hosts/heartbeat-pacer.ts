// The heartbeat interval agents are told: the configured one, stretched for a large fleet
// so that it sends at most TARMAC_MAX_HEARTBEATS_PER_SECOND (libs/domain
// heartbeatIntervalMs). The fleet is counted in the database every few seconds, so every
// replica tells the same interval and none keeps anything of its own.
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { heartbeatIntervalMs, type HeartbeatPolicy } from '../../../../libs/domain/src/index.js';
import { CONFIG } from '../common/core.module.js';
import type { Config } from '../config/config.js';
import { HostRepository } from './host.repository.js';

const RECOUNT_EVERY_MS = 5_000;

@Injectable()
export class HeartbeatPacer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HeartbeatPacer.name);
  readonly policy: HeartbeatPolicy;
  private current: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly hosts: HostRepository,
    @Inject(CONFIG) config: Config,
  ) {
    this.policy = { intervalMs: config.heartbeatIntervalMs, graceMs: config.agentGraceMs, maxPerSecond: config.maxHeartbeatsPerSecond };
    this.current = config.heartbeatIntervalMs;
  }

  /** The interval to tell an agent now. */
  get intervalMs(): number {
    return this.current;
  }

  async onApplicationBootstrap(): Promise<void> {
    // Before the first agent registers: after a restart, the hosts still marked connected are the fleet coming back.
    await this.recount();
    this.timer = setInterval(() => void this.recount(), RECOUNT_EVERY_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Counts the connected hosts and sets the interval from them. */
  async recount(): Promise<number> {
    try {
      const next = heartbeatIntervalMs(await this.hosts.countConnected(), this.policy);
      if (next !== this.current) this.logger.log(`heartbeat interval now ${next} ms (was ${this.current} ms)`);
      this.current = next;
    } catch (error) {
      this.logger.warn(`counting connected hosts failed, heartbeat interval stays ${this.current} ms: ${String(error)}`);
    }
    return this.current;
  }
}
