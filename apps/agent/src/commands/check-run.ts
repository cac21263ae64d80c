// check:run — one of the plan's checks, run from this host against its own service: one
// GET, the expected status and, if the check says so, a string the body must contain.
import type { z } from 'zod';
import { CommandFailureReason, type CheckRun } from '../../../../libs/protocol/src/index.js';
import { CommandFailure } from './command-failure.js';
import { describeUrl, probeHttp } from './http-probe.js';

export type CheckRunCommand = z.infer<typeof CheckRun>;

export const CHECK_TIMEOUT_MS = 10_000;

export async function runCheck(command: CheckRunCommand, progress: (message: string) => void): Promise<{ status: number }> {
  const { check } = command;
  const url = describeUrl(check.port ?? command.defaultPort, check.path);
  progress(`check ${check.name}: GET ${url}`);
  const outcome = await probeHttp(check.port ?? command.defaultPort, check.path, CHECK_TIMEOUT_MS);
  const fail = (what: string) => new CommandFailure(CommandFailureReason.CheckFailed, `check ${check.name}: GET ${url}: ${what}`);
  if (outcome.kind === 'unanswered') throw fail(`no answer: ${outcome.reason}`);
  if (outcome.status !== check.expectStatus) throw fail(`status ${outcome.status}, expected ${check.expectStatus}`);
  if (check.bodyContains !== undefined && !outcome.body.includes(check.bodyContains)) {
    throw fail(`body does not contain ${JSON.stringify(check.bodyContains)}; it begins ${JSON.stringify(outcome.body.slice(0, 200))}`);
  }
  return { status: outcome.status };
}
