// Runs the commands the control plane dispatches: acks each at once, runs them one at a
// time in seq order, journals start and end, and hands reports to the connection until
// the control plane acknowledges them. A key already finished runs nothing: its recorded
// report is sent again. A key started but not finished (the agent died mid-command) runs
// again; every executor first looks at the engine, so a repeat does no second effect.
// An interrupted key is not resumed on our own: the control plane re-dispatches it if it
// still wants it (it may have given up on it meanwhile).
import {
  AgentAckRefusal,
  CommandDispatch,
  CommandFailureReason,
  describeIssues,
  ok,
  refuse,
  type Ack,
  type CommandProgress,
} from '../../../libs/protocol/src/index.js';
import type { CommandJournal, CommandReport } from './command-journal.js';
import { executeCommand, type CommandOutcome, type HostFacilities } from './commands/execute.js';
import type { Logger } from './logger.js';

export type ReportDelivery = { kind: 'acknowledged' } | { kind: 'refused'; code: string; message: string } | { kind: 'undelivered' };

/** The connection, as the runner sees it. */
export interface CommandReporter {
  /** Best effort: dropped while disconnected. */
  progress(payload: CommandProgress): void;
  report(report: CommandReport): Promise<ReportDelivery>;
}

/** Refusals that may go away by themselves: the report is kept and sent again later. */
const TRANSIENT_REFUSALS: readonly string[] = [AgentAckRefusal.NotRegistered, AgentAckRefusal.Internal, 'NO_ACK'];

export class CommandRunner {
  private readonly queue = new Map<string, CommandDispatch>();
  /** Reports the control plane asked for again (a re-dispatch of a finished key). */
  private readonly resend = new Map<string, CommandReport>();
  private reporter?: CommandReporter;
  private running?: Promise<void>;
  private flushing?: Promise<void>;
  private flushAgain = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly journal: CommandJournal,
    private readonly host: HostFacilities,
    private readonly logger: Logger,
  ) {}

  attach(reporter: CommandReporter): void {
    this.reporter = reporter;
  }

  get lastCommandSeq(): number {
    return this.journal.lastCommandSeq;
  }

  /** Handles one `command:dispatch`; the ack says whether it is new, not how it ends. */
  dispatch(payload: unknown): Ack<{ duplicate: boolean }> {
    const parsed = CommandDispatch.safeParse(payload);
    if (!parsed.success) return refuse(AgentAckRefusal.PayloadInvalid, describeIssues(parsed.error));
    const dispatch = parsed.data;
    const keyHost = dispatch.key.split('/')[2];
    if (keyHost !== this.host.hostname) {
      return refuse(AgentAckRefusal.HostnameMismatch, `key ${dispatch.key} names host ${keyHost}, this is ${this.host.hostname}`);
    }
    if (this.queue.has(dispatch.key)) return ok({ duplicate: true });
    const known = this.journal.lookup(dispatch.key);
    if (known.state === 'finished') {
      this.logger.info('command already finished, sending its report again', { key: dispatch.key, seq: known.report.payload.seq });
      this.resend.set(dispatch.key, known.report);
      void this.flushReports();
      return ok({ duplicate: true });
    }
    if (known.state === 'started') this.logger.warn('command was interrupted, running it again', { key: dispatch.key });
    this.queue.set(dispatch.key, dispatch);
    this.kick();
    return ok({ duplicate: false });
  }

  /** Sends every report not yet acknowledged, in seq order; stops at the first that cannot be delivered. */
  flushReports(): Promise<void> {
    if (this.flushing) {
      this.flushAgain = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      do {
        this.flushAgain = false;
        try {
          if (!(await this.flushOnce())) break;
        } catch (error) {
          this.logger.error('command reports could not be journaled', { reason: (error as Error).message });
          break;
        }
      } while (this.flushAgain && !this.abort.signal.aborted);
    })().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Abandons the running command (its key stays unfinished) and waits for it to let go. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    await this.flushing;
  }

  private kick(): void {
    if (this.running || this.abort.signal.aborted) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      // A dispatch that arrived after the loop's last look but before this point.
      if (this.queue.size > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.size > 0 && !this.abort.signal.aborted) {
      const next = [...this.queue.values()].sort((a, b) => a.seq - b.seq)[0];
      try {
        await this.run(next);
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.logger.error('command could not be journaled', { key: next.key, reason: (error as Error).message });
      } finally {
        this.queue.delete(next.key);
      }
      void this.flushReports();
    }
  }

  private async run({ seq, key, command }: CommandDispatch): Promise<void> {
    this.logger.info('command started', { seq, key, type: command.type });
    await this.journal.started(key, seq, command.type);
    const progress = (message: string) => {
      this.logger.debug('command progress', { key, message });
      this.reporter?.progress({ key, message: message.slice(0, 2000) });
    };
    let outcome: CommandOutcome;
    try {
      outcome = await executeCommand(command, this.host, { progress, signal: this.abort.signal });
    } catch (error) {
      if (this.abort.signal.aborted) {
        this.logger.warn('command interrupted by shutdown', { key });
        return;
      }
      outcome = { outcome: 'failed', reason: CommandFailureReason.Internal, message: (error as Error).message };
    }
    const report: CommandReport =
      outcome.outcome === 'completed'
        ? { event: 'command:completed', payload: { key, seq, result: outcome.result } }
        : { event: 'command:failed', payload: { key, seq, reason: outcome.reason, message: outcome.message.slice(0, 4000) } };
    await this.journal.finished(report);
    if (outcome.outcome === 'completed') this.logger.info('command completed', { key, seq });
    else this.logger.warn('command failed', { key, seq, reason: outcome.reason, message: outcome.message });
  }

  /** One pass over the pending reports; false when one could not be delivered (retry later). */
  private async flushOnce(): Promise<boolean> {
    const pending = new Map(this.journal.unreported().map((report) => [report.payload.key, report]));
    for (const [key, report] of this.resend) pending.set(key, report);
    const ordered = [...pending.values()].sort((a, b) => a.payload.seq - b.payload.seq);
    for (const report of ordered) {
      if (!this.reporter || this.abort.signal.aborted) return false;
      const { key, seq } = report.payload;
      const delivery = await this.reporter.report(report);
      if (delivery.kind === 'undelivered') return false;
      if (delivery.kind === 'refused' && TRANSIENT_REFUSALS.includes(delivery.code)) {
        this.logger.warn('command report refused for now, keeping it', { key, code: delivery.code, reason: delivery.message });
        return false;
      }
      if (delivery.kind === 'refused') {
        // Sending it again would be refused again; the journal records that it was given up.
        this.logger.error('command report refused', { key, code: delivery.code, reason: delivery.message });
      }
      this.resend.delete(key);
      await this.journal.reported(key, seq, delivery.kind === 'acknowledged' ? { ok: true } : { ok: false, code: delivery.code });
    }
    return true;
  }
}
