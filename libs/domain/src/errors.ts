// Domain errors: thrown by domain and service code, mapped once to HTTP statuses
// (exception filter) and to refused socket acks. Code branches on `code`, never on messages.
export type DomainErrorKind = 'invalid' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'unavailable';

export interface Issue {
  path: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
    /** When several rules are broken at once: each, with the path it concerns. */
    readonly issues?: readonly Issue[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFound extends DomainError {
  constructor(what: string, id: string) {
    super('not_found', `${what.toUpperCase().replace(/ /g, '_')}_NOT_FOUND`, `${what} ${JSON.stringify(id)} not found`);
  }
}

export class Conflict extends DomainError {
  constructor(code: string, message: string) {
    super('conflict', code, message);
  }
}

export class Invalid extends DomainError {
  constructor(code: string, message: string) {
    super('invalid', code, message);
  }
}

/** A request that breaks several rules at once: every problem, each with its path. */
export class ValidationFailed extends DomainError {
  constructor(issues: Issue[], what = 'request') {
    super('invalid', 'VALIDATION_FAILED', `${what} is invalid: ${listIssues(issues)}`, issues);
  }
}

export function listIssues(issues: readonly Issue[]): string {
  return issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ');
}
