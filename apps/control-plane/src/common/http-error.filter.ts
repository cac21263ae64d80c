// The last word on every HTTP error that is not a domain error: one body shape,
// `{ statusCode, error, message }` with a machine code in `error`, whatever raised it
// (Nest's HTTP exceptions, body-parser, the router). Anything else is a bug or a
// database failure: logged with a correlation id and answered as a 500 that carries the
// id and nothing of the original message.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { ArgumentsHost, Catch, HttpException, Logger, NotFoundException, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { allowedMethods } from './allowed-methods.js';

/** Codes for the errors body-parser raises (its `type`), with a message a client can act on. */
const BODY_ERRORS: Record<string, (cause: { message: string; limit?: number }) => { status?: number; error: string; message: string }> = {
  'entity.parse.failed': (cause) => ({ error: 'INVALID_JSON', message: `the body is not valid JSON: ${cause.message}` }),
  'entity.too.large': (cause) => ({ error: 'PAYLOAD_TOO_LARGE', message: `the body is too large: the limit is ${cause.limit ?? 'set by the server'} bytes` }),
  'json.too.large': (cause) => ({ status: 400, error: 'JSON_TOO_COMPLEX', message: cause.message }),
  'request.aborted': () => ({ error: 'REQUEST_ABORTED', message: 'the client aborted the request before the body was read' }),
  'request.size.invalid': () => ({ error: 'INVALID_BODY', message: 'the body is not as long as Content-Length says' }),
  'encoding.unsupported': (cause) => ({ error: 'UNSUPPORTED_MEDIA_TYPE', message: `${cause.message}: send identity, gzip, deflate or br` }),
  'charset.unsupported': (cause) => ({ error: 'UNSUPPORTED_MEDIA_TYPE', message: `${cause.message}: send UTF-8` }),
};

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) {
      response.end();
      return;
    }
    if (exception instanceof NotFoundException && isUnrouted(exception)) {
      const allowed = allowedMethods(request);
      if (allowed.length > 0) {
        response.setHeader('Allow', allowed.join(', '));
        if (request.method === 'OPTIONS') {
          response.status(204).end();
          return;
        }
        send(response, 405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${request.path}: use ${allowed.join(', ')}`);
        return;
      }
      send(response, 404, 'ROUTE_NOT_FOUND', `no route ${request.method} ${request.path}`);
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const cause = exception.cause as { type?: unknown; message: string; limit?: number } | undefined;
      const known = typeof cause?.type === 'string' ? BODY_ERRORS[cause.type]?.(cause) : undefined;
      if (known) {
        send(response, known.status ?? status, known.error, known.message);
        return;
      }
      if (cause instanceof URIError) {
        send(response, 400, 'INVALID_PATH', `the path is not valid percent-encoded UTF-8: ${cause.message}`);
        return;
      }
      send(response, status, codeOf(status), messageOf(exception));
      return;
    }
    const correlationId = randomUUID();
    this.logger.error(`${request.method} ${request.path} failed [correlationId=${correlationId}]: ${describe(exception)}`);
    response.status(500).json({ statusCode: 500, error: 'INTERNAL', message: `internal error; quote correlation id ${correlationId} to the operator`, correlationId });
  }
}

function send(response: Response, statusCode: number, error: string, message: string): void {
  response.status(statusCode).json({ statusCode, error, message });
}

/** Nest's own "no route" exception, as opposed to a handler's 404 (unknown host, ...). */
function isUnrouted(exception: NotFoundException): boolean {
  return /^Cannot [A-Z]+ /.test(exception.message);
}

/** `NOT_FOUND`, `PAYLOAD_TOO_LARGE`: the status's reason phrase as a code. */
function codeOf(status: number): string {
  return (STATUS_CODES[status] ?? 'ERROR').toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

function messageOf(exception: HttpException): string {
  const body = exception.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}
