// Brings a new dashboard subscriber up to date and then live: a snapshot (or, with
// `sinceSeq`, a replay of what it missed), then every event in sequence, without a gap
// or a duplicate. The subscriber joins the live room only once it has caught up with
// what this process already published.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DashboardEvent, type DashboardEventBatch, type HostsSnapshot } from '../../../../libs/protocol/src/index.js';
import { HostRepository } from '../hosts/host.repository.js';
import { DashboardPublisher } from './dashboard-publisher.js';
import { EventOutboxRepository, type OutboxEvent } from './event-outbox.repository.js';

export interface Subscriber {
  send(type: string, payload: unknown): void;
  /** Events in sequence order, sent as one frame. */
  sendEvents(events: readonly OutboxEvent[]): void;
  /** Starts live delivery; called synchronously right after the last catch-up send. */
  goLive(): void;
  readonly closed: boolean;
}

const CATCH_UP_BATCH = 1000;

@Injectable()
export class DashboardFeedService {
  constructor(
    private readonly db: DataSource,
    private readonly hosts: HostRepository,
    private readonly outbox: EventOutboxRepository,
    private readonly publisher: DashboardPublisher,
  ) {}

  async subscribe(subscriber: Subscriber, sinceSeq?: number): Promise<void> {
    let cursor: number;
    if (sinceSeq !== undefined && (await this.canReplayFrom(sinceSeq))) {
      cursor = sinceSeq;
    } else {
      const snapshot = await this.snapshot();
      subscriber.send(DashboardEvent.HostsSnapshot, snapshot);
      cursor = snapshot.seq;
    }
    // A snapshot can be ahead of what this process has published: going live then would
    // deliver the events between them twice. Wait for the publisher to reach it.
    while (this.publisher.lastPublishedSeq < cursor && !subscriber.closed) {
      this.publisher.poke();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    for (;;) {
      const events: OutboxEvent[] = cursor < this.publisher.lastPublishedSeq ? await this.outbox.readAfter(cursor, CATCH_UP_BATCH) : [];
      if (subscriber.closed) return;
      // From here to goLive() nothing awaits, so the publisher cannot slip an event in between.
      const live = this.publisher.lastPublishedSeq;
      const due = events.filter((event) => event.seq <= live);
      if (due.length > 0) {
        subscriber.sendEvents(due);
        cursor = due.at(-1)!.seq;
      }
      if (cursor >= live) {
        subscriber.goLive();
        return;
      }
    }
  }

  snapshot(): Promise<HostsSnapshot> {
    return this.db.transaction('REPEATABLE READ', async (tx) => {
      const seq = await this.outbox.currentSeq(tx);
      const hosts = await this.hosts.list({}, tx);
      return { seq, hosts };
    });
  }

  private async canReplayFrom(sinceSeq: number): Promise<boolean> {
    if (sinceSeq > (await this.outbox.currentSeq())) return false;
    const oldest = await this.outbox.oldestRetainedSeq();
    return oldest === undefined ? sinceSeq === (await this.outbox.currentSeq()) : sinceSeq >= oldest - 1;
  }
}

/** The `events` frame of a list of outbox events. */
export function eventFrame(events: readonly OutboxEvent[]): DashboardEventBatch {
  return { events: events.map((event) => ({ type: event.type, payload: event.payload })) };
}
