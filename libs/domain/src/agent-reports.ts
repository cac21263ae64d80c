// What an agent is told about its report on a command. Only the host a command was sent to
// may close it, once: anything else is refused with a code, so neither an impostor nor a
// confused agent is told that a report it made counted when it did not.
import { AgentAckRefusal } from '../../protocol/src/index.js';
import { DomainError } from './errors.js';

/** Recorded; or refused as a repeat of a recorded outcome, or as naming a command this host was never sent. */
export type ReportOutcome = 'recorded' | 'already-reported' | 'unknown';

/**
 * A report or a progress message, given where its command stands for the reporting host
 * (undefined: never sent to it). `accepted` is the standing in which the message counts:
 * progress counts on an open command; a report counts when it closed one itself, so one
 * that finds its command closed is a repeat, and one that finds it still open lost a race
 * it cannot win (the command is not this report's to close) and is refused as unknown.
 */
export function reportOutcome(standing: 'open' | 'closed' | undefined, accepted: 'open' | 'closed-now'): ReportOutcome {
  if (standing === undefined) return 'unknown';
  if (accepted === 'open') return standing === 'open' ? 'recorded' : 'already-reported';
  return standing === 'closed' ? 'already-reported' : 'unknown';
}

export function reportRefusal(outcome: ReportOutcome, hostname: string, key: string): DomainError | undefined {
  switch (outcome) {
    case 'recorded':
      return undefined;
    case 'already-reported':
      return new DomainError('conflict', AgentAckRefusal.CommandAlreadyReported, `the outcome of ${key} is recorded already`);
    case 'unknown':
      return new DomainError('not_found', AgentAckRefusal.CommandUnknown, `host ${JSON.stringify(hostname)} was never sent command ${key}`);
  }
}
