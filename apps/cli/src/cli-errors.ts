// What can go wrong in a tarmac command, and the exit code each maps to: scripts
// branch on the code, people read the line on stderr.

export const ExitCode = {
  Ok: 0,
  /** The API refused the request, the server could not be reached, or a watched rollout did not succeed. */
  Failed: 1,
  /** Bad command line or missing settings: nothing was sent. */
  Usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The command line is wrong, or a setting the command needs is missing. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface ApiIssue {
  path: string;
  message: string;
}

/** The API answered with an error body: `{ statusCode, error, message, issues? }`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: ApiIssue[] = [],
  ) {
    super(message);
  }
}

/** The server could not be reached or answered something that is not the API. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
}

/** The lines printed on stderr for an error, without a trailing newline. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    return [`error: ${error.code}: ${error.message}`, ...error.issues.map((issue) => `  ${issue.path || '(body)'}: ${issue.message}`)].join('\n');
  }
  if (error instanceof UsageError || error instanceof ConnectionError) return `error: ${error.message}`;
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}

export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof UsageError ? ExitCode.Usage : ExitCode.Failed;
}
