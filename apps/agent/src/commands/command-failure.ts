// How an executor says a command failed: a reason from the protocol's CommandFailureReason
// (for code) and a message (for people). Engine transport failures become
// ENGINE_UNREACHABLE whichever step they hit.
import { CommandFailureReason } from '../../../../libs/protocol/src/index.js';
import { EngineUnreachableError } from '../container-engine.js';

export type FailureReason = (typeof CommandFailureReason)[keyof typeof CommandFailureReason];

export class CommandFailure extends Error {
  override readonly name = 'CommandFailure';
  constructor(
    readonly reason: FailureReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs one step; an error that is not already a CommandFailure fails the command with
 * `reason` and `what: <error message>`.
 */
export async function step<T>(reason: FailureReason, what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw asFailure(error, reason, what);
  }
}

export function asFailure(error: unknown, reason: FailureReason, what: string): CommandFailure {
  if (error instanceof CommandFailure) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof EngineUnreachableError) {
    return new CommandFailure(CommandFailureReason.EngineUnreachable, `${what}: container engine unreachable: ${message}`);
  }
  return new CommandFailure(reason, `${what}: ${message}`);
}
