// The dashboard event outbox. An event is appended inside the transaction that makes
// the change it reports; its sequence number comes from one counter row, so numbers
// are gapless and follow commit order (the row lock is held until commit). Rows written
// before payloads were stored without their seq carry the same seq inside: spreading
// the stored payload after it changes nothing.
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

  /** Appends one event; its payload goes out with the event's `seq` added. */
  async append(tx: EntityManager, type: string, payload: object): Promise<OutboxEvent> {
    const [event] = await this.appendEvents(tx, [{ type, payload }]);
    return event!;
  }

  /** Appends several events of one type, numbered in order. */
  appendMany(tx: EntityManager, type: string, payloads: object[]): Promise<OutboxEvent[]> {
    return this.appendEvents(
      tx,
      payloads.map((payload) => ({ type, payload })),
    );
  }

  /**
   * Appends events of any types, numbered in the order given, in one statement: the
   * counter is taken and the rows written in one round trip. A payload is stored without
   * its `seq` (the row's key) and read back with it.
   */
  async appendEvents(tx: EntityManager, pending: { type: string; payload: object }[]): Promise<OutboxEvent[]> {
    if (pending.length === 0) return [];
    const [{ value }]: { value: string }[] = await tx.query(
      `WITH counter AS (
         UPDATE event_sequence SET value = value + $1 WHERE id = 1 RETURNING value
       ), inserted AS (
         INSERT INTO dashboard_events (seq, type, payload)
         SELECT counter.value - $1 + e.n, e.type, e.payload
           FROM counter, unnest($2::text[], $3::json[]) WITH ORDINALITY AS e(type, payload, n)
       )
       SELECT value FROM counter`,
      [pending.length, pending.map((event) => event.type), pending.map((event) => JSON.stringify(event.payload))],
    );
    const first = Number(value) - pending.length + 1;
    return pending.map(({ type, payload }, i) => ({ seq: first + i, type, payload: withSeq(first + i, payload) }));
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
    const rows: { seq: string; type: string; payload: object }[] = await this.db.query(
      'SELECT seq, type, payload FROM dashboard_events WHERE seq > $1 ORDER BY seq LIMIT $2',
      [seq, limit],
    );
    return rows.map((row) => ({ seq: Number(row.seq), type: row.type, payload: withSeq(Number(row.seq), row.payload) }));
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

/** An event's payload as dashboards get it: its sequence number first, then what was stored. */
function withSeq(seq: number, payload: object): object {
  return { seq, ...payload };
}
