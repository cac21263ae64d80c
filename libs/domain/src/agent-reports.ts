// What an agent is told about its report on a command. Only the host a command was sent to
// may close it, once: anything else is refused with a code, so neither an impostor nor a
// confused agent is told that a report it made counted when it did not.
import { AgentAckRefusal } from '../../protocol/src/index.js';
import { DomainError } from './errors.js';

/** Recorded; or refused as a repeat of a recorded outcome, or as naming a command this host was never sent. */
export type ReportOutcome = 'recorded' | 'already-reported' | 'unknown';

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
