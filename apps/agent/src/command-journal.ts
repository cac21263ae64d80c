// The agent's memory of commands, on disk: `<state dir>/commands.jsonl`, one JSON object
// per line, appended and fsynced before anything acts on it, read back at start.
//   {"event":"started","key":K,"seq":N,"type":"container:replace","at":ISO}
//   {"event":"finished","key":K,"seq":N,"outcome":"completed","result":{...},"at":ISO}
//   {"event":"finished","key":K,"seq":N,"outcome":"failed","reason":R,"message":M,"at":ISO}
//   {"event":"reported","key":K,"seq":N,"ack":"ok"|"refused","code"?:C,"at":ISO}
// A finished key is never run again (its report is sent instead); a key started but not
// finished was interrupted and runs again, idempotently; a finished key not yet reported
// has its report sent again after a restart or reconnect.
import { mkdir, open, readFile, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CommandCompleted, CommandFailed, CommandResult } from '../../../libs/protocol/src/index.js';
import { syncDirectory } from './durable-files.js';

export const JOURNAL_FILE = 'commands.jsonl';

const at = z.string();
const base = { key: z.string(), seq: z.number().int().positive(), at };
const JournalEntry = z.union([
  z.object({ event: z.literal('started'), ...base, type: z.string() }),
  z.object({ event: z.literal('finished'), ...base, outcome: z.literal('completed'), result: CommandResult }),
  z.object({ event: z.literal('finished'), ...base, outcome: z.literal('failed'), reason: z.string(), message: z.string() }),
  z.object({ event: z.literal('reported'), ...base, ack: z.enum(['ok', 'refused']), code: z.string().optional() }),
]);
type JournalEntry = z.infer<typeof JournalEntry>;

/** A finished command as it is reported to the control plane. */
export type CommandReport = { event: 'command:completed'; payload: CommandCompleted } | { event: 'command:failed'; payload: CommandFailed };

export type KeyState = { state: 'new' } | { state: 'started'; seq: number } | { state: 'finished'; report: CommandReport };

interface KeyRecord {
  seq: number;
  report?: CommandReport;
  reported: boolean;
}

export class CommandJournal {
  private readonly keys = new Map<string, KeyRecord>();
  private highestFinished = 0;
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
    /** Lines that could not be read at open (a torn last write is cut off silently instead). */
    readonly skippedLines: number,
  ) {}

  static async open(stateDir: string): Promise<CommandJournal> {
    await mkdir(stateDir, { recursive: true });
    const path = join(stateDir, JOURNAL_FILE);
    let text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    // A crash mid-append leaves a line without its newline; the next append must not extend it.
    const complete = text.lastIndexOf('\n') + 1;
    if (complete < text.length) {
      await truncate(path, Buffer.byteLength(text.slice(0, complete)));
      text = text.slice(0, complete);
    }
    let skipped = 0;
    const entries: JournalEntry[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const parsed = JournalEntry.safeParse(safeJson(line));
      if (parsed.success) entries.push(parsed.data);
      else skipped++;
    }
    const file = await open(path, 'a');
    await syncDirectory(stateDir);
    const journal = new CommandJournal(file, path, skipped);
    entries.forEach((entry) => journal.apply(entry));
    return journal;
  }

  /** The highest seq this agent has finished: the control plane resends what follows. */
  get lastCommandSeq(): number {
    return this.highestFinished;
  }

  lookup(key: string): KeyState {
    const record = this.keys.get(key);
    if (!record) return { state: 'new' };
    if (record.report) return { state: 'finished', report: record.report };
    return { state: 'started', seq: record.seq };
  }

  /** Finished commands whose report the control plane has not acknowledged, in seq order. */
  unreported(): CommandReport[] {
    return [...this.keys.values()]
      .filter((record) => record.report && !record.reported)
      .sort((a, b) => a.seq - b.seq)
      .map((record) => record.report!);
  }

  started(key: string, seq: number, type: string): Promise<void> {
    return this.append({ event: 'started', key, seq, type, at: now() });
  }

  finished(report: CommandReport): Promise<void> {
    const { key, seq } = report.payload;
    return this.append(
      report.event === 'command:completed'
        ? { event: 'finished', key, seq, outcome: 'completed', result: report.payload.result, at: now() }
        : { event: 'finished', key, seq, outcome: 'failed', reason: report.payload.reason, message: report.payload.message, at: now() },
    );
  }

  reported(key: string, seq: number, ack: { ok: true } | { ok: false; code: string }): Promise<void> {
    return this.append({ event: 'reported', key, seq, ack: ack.ok ? 'ok' : 'refused', ...(ack.ok ? {} : { code: ack.code }), at: now() });
  }

  async close(): Promise<void> {
    await this.writes.catch(() => undefined);
    await this.file.close();
  }

  /** Writes and fsyncs one line, one at a time; memory changes only once the line is on disk. */
  private append(entry: JournalEntry): Promise<void> {
    const write = this.writes.then(async () => {
      await this.file.appendFile(`${JSON.stringify(entry)}\n`);
      await this.file.sync();
      this.apply(entry);
    });
    this.writes = write.catch(() => undefined);
    return write;
  }

  private apply(entry: JournalEntry): void {
    const record = this.keys.get(entry.key) ?? { seq: entry.seq, reported: false };
    this.keys.set(entry.key, record);
    if (entry.event === 'started') return;
    if (entry.event === 'reported') {
      record.reported = true;
      return;
    }
    record.report =
      entry.outcome === 'completed'
        ? { event: 'command:completed', payload: { key: entry.key, seq: entry.seq, result: entry.result } }
        : { event: 'command:failed', payload: { key: entry.key, seq: entry.seq, reason: entry.reason, message: entry.message } };
    record.reported = false;
    this.highestFinished = Math.max(this.highestFinished, entry.seq);
  }
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function now(): string {
  return new Date().toISOString();
}
