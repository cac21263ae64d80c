// Polls for due jobs on a timer. Time comes only from the Clock (the handlers get `now`
// from the runner), so a test moves a manual clock and the poller follows.
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { JobRunner } from './job-runner.js';

const POLL_MS = 500;

@Injectable()
export class SchedulerPoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SchedulerPoller.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly runner: JobRunner) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.poll(), POLL_MS);
  }

  /** Stops polling and lets a pass in flight finish, before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private poll(): Promise<void> {
    this.running ??= this.runner
      .runDue()
      .then(() => undefined)
      .catch((error: unknown) => this.logger.warn(`scheduler pass failed: ${String(error)}`))
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
