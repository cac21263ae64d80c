// Emits the outbox to this process's dashboard subscribers, in sequence order, after
// commit. Events this process has just committed go out at once when they follow the
// last one published (no read back from the database); otherwise, and on a short poll
// that brings events written by another replica, the outbox is read in order.
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EventOutboxRepository, type OutboxEvent } from './event-outbox.repository.js';

const BATCH = 500;
const POLL_MS = 500;
const RETENTION_MS = 24 * 3600_000;
const RETAIN_AT_LEAST = 10_000;

/** Gets the events of one outbox read, in sequence order: they go out as one frame. */
export type EventSink = (events: readonly OutboxEvent[]) => void;

@Injectable()
export class DashboardPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DashboardPublisher.name);
  private sink: EventSink = () => undefined;
  private published = 0;
  private flushing: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(private readonly outbox: EventOutboxRepository) {}

  /** The highest sequence number already emitted by this process. */
  get lastPublishedSeq(): number {
    return this.published;
  }

  setSink(sink: EventSink): void {
    this.sink = sink;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.published = await this.outbox.currentSeq();
    this.timer = setInterval(() => this.poke(), POLL_MS);
    this.pruneTimer = setInterval(() => void this.prune(), 3600_000);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    clearInterval(this.pruneTimer);
  }

  /**
   * This process committed these events (in sequence order). When they follow the last
   * published event they go out now; a gap before them (another transaction's or another
   * replica's events not yet read) is filled by reading the outbox. Never throws.
   */
  committed(events: readonly OutboxEvent[]): void {
    const first = events.find((event) => event.seq > this.published);
    if (!first) return;
    if (this.flushing || first.seq !== this.published + 1) {
      this.poke();
      return;
    }
    try {
      this.emit(events);
    } catch (error) {
      // Not published: the next read of the outbox sends them.
      this.logger.warn(`publishing dashboard events failed: ${String(error)}`);
      this.poke();
    }
  }

  /** Something was committed: publish it soon. Never throws. */
  poke(): void {
    if (this.flushing) {
      this.again = true;
      return;
    }
    this.flushing = this.flush()
      .catch((error: unknown) => this.logger.warn(`publishing dashboard events failed: ${String(error)}`))
      .finally(() => {
        this.flushing = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  private async flush(): Promise<void> {
    for (;;) {
      const events = await this.outbox.readAfter(this.published, BATCH);
      this.emit(events);
      if (events.length < BATCH) return;
    }
  }

  /** Emits what follows the last published event: a read can overlap events published while it ran. */
  private emit(events: readonly OutboxEvent[]): void {
    const fresh = events.filter((event) => event.seq > this.published);
    if (fresh.length === 0) return;
    this.sink(fresh);
    this.published = fresh.at(-1)!.seq;
  }

  private async prune(): Promise<void> {
    await this.outbox
      .prune(new Date(Date.now() - RETENTION_MS), RETAIN_AT_LEAST)
      .catch((error: unknown) => this.logger.warn(`pruning dashboard events failed: ${String(error)}`));
  }
}
