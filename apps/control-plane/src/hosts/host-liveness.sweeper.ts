// Runs the silent-host sweep on a timer. The sweep itself is one SQL statement, so
// several replicas running it at once is harmless.
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { CONFIG } from '../common/core.module.js';
import type { Config } from '../config/config.js';
import { HostService } from './host.service.js';

@Injectable()
export class HostLivenessSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HostLivenessSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** When this process started: hosts heard only before then get the agents' reconnect back-off. */
  private bootedAt: Date | undefined;

  constructor(
    private readonly hosts: HostService,
    private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  onApplicationBootstrap(): void {
    // A host that went silent while this process was down is not the host's fault: its
    // agent gets its reconnect back-off and a grace period from now (silenceWindow).
    this.bootedAt = this.clock.now();
    // A quarter of the grace period bounds how late `unreachable` can be, at most 1 s.
    const every = Math.min(1000, Math.max(50, Math.floor(this.config.agentGraceMs / 4)));
    this.timer = setInterval(() => void this.sweep(), every);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async sweep(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const moved = await this.hosts.sweepSilentHosts(this.bootedAt);
      if (moved > 0) this.logger.log(`${moved} silent host(s) marked unreachable`);
    } catch (error) {
      this.logger.warn(`host liveness sweep failed: ${String(error)}`);
    } finally {
      this.running = false;
    }
  }
}
