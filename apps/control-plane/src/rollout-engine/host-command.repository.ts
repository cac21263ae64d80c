// Every host's command log: commands in per-host sequence, written in the transaction
// that decided them, sent after commit, and closed by the agent's report.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Command, CommandDispatch } from '../../../../libs/protocol/src/index.js';

export interface NewHostCommand {
  hostname: string;
  key: string;
  /** Null for a command outside any rollout (a switch:set). */
  rolloutId: string | null;
  step: string;
  command: Command;
  deadlineAt: Date;
}

export interface ClosedCommand {
  rolloutId: string | null;
  hostname: string;
  step: string;
  seq: number;
  sentAt: Date | null;
  finishedAt: Date;
}

export type CommandStanding = 'open' | 'closed';

@Injectable()
export class HostCommandRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Appends commands to their hosts' logs, each at its host's next sequence number, in one
   * statement whatever their number: the commands go as one JSON document (one
   * JSON.stringify, no per-element array escaping). At most one command per host.
   */
  async appendMany(tx: EntityManager, commands: NewHostCommand[], now: Date): Promise<CommandDispatch[]> {
    if (commands.length === 0) return [];
    const hostnames = commands.map((command) => command.hostname);
    if (new Set(hostnames).size !== hostnames.length) throw new Error('appendMany takes at most one command per host');
    const rows: { hostname: string; seq: string }[] = await tx.query(
      `WITH c AS (
         SELECT * FROM json_to_recordset($1::json)
           AS c(hostname text, key text, rollout_id uuid, step text, command jsonb, deadline_at timestamptz)
       ), seq AS (
         INSERT INTO host_command_sequences (hostname, value) SELECT hostname, 1 FROM c
         ON CONFLICT (hostname) DO UPDATE SET value = host_command_sequences.value + 1
         RETURNING hostname, value
       )
       INSERT INTO host_commands (hostname, seq, key, rollout_id, step, command, created_at, deadline_at)
       SELECT c.hostname, seq.value, c.key, c.rollout_id, c.step, c.command, $2, c.deadline_at
         FROM c JOIN seq USING (hostname)
       RETURNING hostname, seq`,
      [
        JSON.stringify(
          commands.map((command) => ({
            hostname: command.hostname,
            key: command.key,
            rollout_id: command.rolloutId,
            step: command.step,
            command: command.command,
            deadline_at: command.deadlineAt,
          })),
        ),
        now,
      ],
    );
    const seqOf = new Map(rows.map((row) => [row.hostname, Number(row.seq)]));
    return commands.map((command) => ({ seq: seqOf.get(command.hostname)!, key: command.key, command: command.command }));
  }

  /** Commands of a host not yet answered, after `afterSeq`, in order: what a (re)connected agent needs. */
  async openFor(hostname: string, afterSeq = 0): Promise<CommandDispatch[]> {
    const rows: { seq: string; key: string; command: Command }[] = await this.db.query(
      `SELECT seq, key, command FROM host_commands
        WHERE hostname = $1 AND seq > $2 AND status IN ('pending', 'sent') ORDER BY seq`,
      [hostname, afterSeq],
    );
    return rows.map((row) => ({ seq: Number(row.seq), key: row.key, command: row.command }));
  }

  /**
   * Hosts with commands no agent acknowledged since `before`: older than one ack
   * timeout, so a first dispatch still waiting for its ack is not sent twice.
   */
  async hostsWithUnsent(before: Date): Promise<string[]> {
    const rows: { hostname: string }[] = await this.db.query(
      `SELECT DISTINCT hostname FROM host_commands WHERE status = 'pending' AND created_at < $1`,
      [before],
    );
    return rows.map((row) => row.hostname);
  }

  /** Records the agents' acks, each with the time it arrived, in one statement. */
  async markSent(acks: { hostname: string; seq: number; at: Date }[]): Promise<void> {
    if (acks.length === 0) return;
    await this.db.query(
      `UPDATE host_commands c SET status = 'sent', sent_at = COALESCE(c.sent_at, a.at)
         FROM unnest($1::text[], $2::bigint[], $3::timestamptz[]) AS a(hostname, seq, at)
        WHERE c.hostname = a.hostname AND c.seq = a.seq AND c.status = 'pending'`,
      [acks.map((a) => a.hostname), acks.map((a) => a.seq), acks.map((a) => a.at)],
    );
  }

  /** Where a host's command stands; undefined when this host was never sent it. */
  async standingOf(hostname: string, key: string): Promise<CommandStanding | undefined> {
    const rows: { status: string }[] = await this.db.query('SELECT status FROM host_commands WHERE hostname = $1 AND key = $2', [
      hostname,
      key,
    ]);
    const status = rows[0]?.status;
    if (status === undefined) return undefined;
    return status === 'pending' || status === 'sent' ? 'open' : 'closed';
  }

  /** The rollout each of these commands belongs to, by key; commands outside any rollout (switches, traffic shifts) and unknown keys are left out. */
  async rolloutsOf(tx: EntityManager, commands: { hostname: string; key: string }[]): Promise<Map<string, string>> {
    const rows: { key: string; rollout_id: string }[] = await tx.query(
      `SELECT c.key, c.rollout_id FROM host_commands c
         JOIN unnest($1::text[], $2::text[]) AS r(hostname, key) ON c.key = r.key AND c.hostname = r.hostname
        WHERE c.rollout_id IS NOT NULL`,
      [commands.map((c) => c.hostname), commands.map((c) => c.key)],
    );
    return new Map(rows.map((row) => [row.key, row.rollout_id]));
  }

  /**
   * Closes open commands with their agents' reports, in one statement. A report whose key
   * is unknown, belongs to another host, or was closed already (a repeat) closes nothing
   * and gets undefined; results come back in the order of `reports`.
   */
  async close(
    tx: EntityManager,
    reports: { hostname: string; key: string; outcome: { status: 'completed'; result: unknown } | { status: 'failed'; reason: string; message: string } }[],
    now: Date,
  ): Promise<(ClosedCommand | undefined)[]> {
    if (reports.length === 0) return [];
    const [rows]: [{ key: string; rollout_id: string | null; hostname: string; step: string; seq: string; sent_at: Date | null }[], number] = await tx.query(
      `UPDATE host_commands c SET status = r.status, result = r.result, reason = r.reason, message = r.message, finished_at = $2
         FROM jsonb_to_recordset($1::jsonb) AS r(hostname text, key text, status text, result jsonb, reason text, message text)
        WHERE c.key = r.key AND c.hostname = r.hostname AND c.status IN ('pending', 'sent')
        RETURNING c.key, c.rollout_id, c.hostname, c.step, c.seq, c.sent_at`,
      [
        JSON.stringify(
          reports.map(({ hostname, key, outcome }) => ({
            hostname,
            key,
            status: outcome.status,
            result: outcome.status === 'completed' ? outcome.result : null,
            reason: outcome.status === 'completed' ? null : outcome.reason,
            message: outcome.status === 'completed' ? null : outcome.message,
          })),
        ),
        now,
      ],
    );
    const closed = new Map(rows.map((row) => [`${row.hostname}/${row.key}`, row]));
    return reports.map(({ hostname, key }) => {
      const row = closed.get(`${hostname}/${key}`);
      closed.delete(`${hostname}/${key}`); // a key twice in one batch closes once
      return row && { rolloutId: row.rollout_id, hostname: row.hostname, step: row.step, seq: Number(row.seq), sentAt: row.sent_at, finishedAt: now };
    });
  }

  /** Closes every open command of a rollout that the decision no longer waits for. */
  async abandonOpen(tx: EntityManager, rolloutId: string, keepKeys: readonly string[], now: Date): Promise<void> {
    await tx.query(
      `UPDATE host_commands SET status = 'abandoned', reason = 'ABANDONED', message = 'the rollout no longer waits for it', finished_at = $3
        WHERE rollout_id = $1 AND status IN ('pending', 'sent') AND NOT (key = ANY($2::text[]))`,
      [rolloutId, keepKeys, now],
    );
  }
}
