// The dashboard event outbox. An event is appended inside the transaction that makes
// the change it reports; its sequence number comes from one counter row, so numbers
// are gapless and follow commit order (the row lock is held until commit).
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export interface OutboxEvent {
  seq: number;
  type: string;
  payload: unknown;
}

@Injectable()
export class EventOutboxRepository {
  constructor(private readonly db: DataSource) {}

  /** Appends an event whose payload is built from its sequence number. */
  async append<P>(tx: EntityManager, type: string, payload: (seq: number) => P): Promise<OutboxEvent> {
    const [[{ value }]] = await tx.query('UPDATE event_sequence SET value = value + 1 WHERE id = 1 RETURNING value');
    const seq = Number(value);
    const body = payload(seq);
    await tx.query('INSERT INTO dashboard_events (seq, type, payload) VALUES ($1, $2, $3)', [seq, type, body]);
    return { seq, type, payload: body };
  }

  /** Appends several events of one type in two statements, numbered in order. */
  appendMany<P>(tx: EntityManager, type: string, payloads: ((seq: number) => P)[]): Promise<OutboxEvent[]> {
    return this.appendEvents(
      tx,
      payloads.map((payload) => ({ type, payload })),
    );
  }

  /** Appends events of any types in two statements, numbered in the order given. */
  async appendEvents(tx: EntityManager, pending: { type: string; payload: (seq: number) => unknown }[]): Promise<OutboxEvent[]> {
    if (pending.length === 0) return [];
    const [[{ value }]] = await tx.query('UPDATE event_sequence SET value = value + $1 WHERE id = 1 RETURNING value', [pending.length]);
    const first = Number(value) - pending.length + 1;
    const events = pending.map(({ type, payload }, i) => ({ seq: first + i, type, payload: payload(first + i) }));
    await tx.query('INSERT INTO dashboard_events (seq, type, payload) SELECT * FROM unnest($1::bigint[], $2::text[], $3::json[])', [
      events.map((event) => event.seq),
      events.map((event) => event.type),
      events.map((event) => JSON.stringify(event.payload)),
    ]);
    return events;
  }

  async currentSeq(tx: EntityManager | DataSource = this.db): Promise<number> {
    const [{ value }] = await tx.query('SELECT value FROM event_sequence WHERE id = 1');
    return Number(value);
  }

  async oldestRetainedSeq(): Promise<number | undefined> {
    const [{ seq }] = await this.db.query('SELECT min(seq) AS seq FROM dashboard_events');
    return seq === null ? undefined : Number(seq);
  }

  async readAfter(seq: number, limit: number): Promise<OutboxEvent[]> {
    const rows: { seq: string; type: string; payload: unknown }[] = await this.db.query(
      'SELECT seq, type, payload FROM dashboard_events WHERE seq > $1 ORDER BY seq LIMIT $2',
      [seq, limit],
    );
    return rows.map((row) => ({ seq: Number(row.seq), type: row.type, payload: row.payload }));
  }

  /** Drops events older than the cutoff, always keeping the newest `keep`. */
  async prune(olderThan: Date, keep: number): Promise<number> {
    const result = await this.db.query(
      `DELETE FROM dashboard_events
        WHERE created_at < $1 AND seq <= (SELECT value FROM event_sequence WHERE id = 1) - $2`,
      [olderThan, keep],
    );
    return result[1] ?? 0;
  }
}
