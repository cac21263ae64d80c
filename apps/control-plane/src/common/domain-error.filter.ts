// Maps domain errors to HTTP once; everything else keeps Nest's handling. Bodies are
// `{ statusCode, error, message }`, plus `issues` for validation failures.
import { ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ZodValidationException } from 'nestjs-zod';
import type { ZodError } from 'zod';
import { DomainError, type DomainErrorKind } from '../../../../libs/domain/src/index.js';
import { flattenIssues } from '../../../../libs/protocol/src/index.js';

const STATUS: Record<DomainErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
};

@Catch(DomainError, ZodValidationException)
export class DomainErrorFilter implements ExceptionFilter {
  catch(error: DomainError | ZodValidationException, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (error instanceof ZodValidationException) {
      const issues = flattenIssues(error.getZodError() as ZodError);
      response.status(400).json({
        statusCode: 400,
        error: 'VALIDATION_FAILED',
        message: issues.map((issue) => `${issue.path || '(body)'}: ${issue.message}`).join('; '),
        issues,
      });
      return;
    }
    const status = STATUS[error.kind];
    const issues = error.issues ? { issues: error.issues } : {};
    response.status(status).json({ statusCode: status, error: error.code, message: error.message, ...issues });
  }
}

