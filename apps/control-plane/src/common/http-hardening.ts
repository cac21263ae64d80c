// What every HTTP response and every malformed request gets before any route runs:
// security headers (helmet), no X-Powered-By, a 415 for a body in a type no route reads,
// and JSON bodies for the errors Node's HTTP parser answers itself (431, malformed
// requests), which never reach Express.
import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { jsonShapeProblem, PLAN_DOCUMENT_LIMITS } from '../../../../libs/domain/src/index.js';

/** The body types the API reads: JSON everywhere, YAML for launch plans. */
export const BODY_TYPES = ['application/json', 'application/yaml', 'application/x-yaml', 'text/yaml'];

export function hardenHttp(app: NestExpressApplication): void {
  app.disable('x-powered-by');
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          // TLS is optional: on plain HTTP this would send the page's assets to https:// and break it.
          upgradeInsecureRequests: null,
          // Swagger UI (/docs) loads its script, styles and images from here and uses inline styles.
          styleSrc: ["'self'", "'unsafe-inline'"],
          frameAncestors: ["'none'"],
        },
      },
      // Whether the control plane serves HTTPS is the operator's choice (TARMAC_TLS_*); HSTS
      // sent by a server that may later serve plain HTTP would lock browsers out of it.
      strictTransportSecurity: false,
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  app.use(refuseUnreadableBodies);
  answerParserErrorsWithJson(app.getHttpServer() as Server);
}

/** No request body the API reads nests anywhere near this deep or holds this many entries (a plan's limits). */
export const JSON_BODY_LIMITS = { maxDepth: PLAN_DOCUMENT_LIMITS.maxDepth, maxEntries: PLAN_DOCUMENT_LIMITS.maxEntries };

/**
 * The JSON body parser, refusing a body nested too deep or with too many entries before
 * JSON.parse and the schemas see it (with express.json itself: Nest's useBodyParser
 * reserves the `verify` hook this needs).
 */
export function jsonBodyParser(limit: string): RequestHandler {
  return express.json({ limit, verify: refuseOversizedJson });
}

function refuseOversizedJson(_request: unknown, _response: unknown, body: Buffer): void {
  const problem = jsonShapeProblem(body, JSON_BODY_LIMITS);
  if (problem) throw Object.assign(new Error(problem), { status: 400, type: 'json.too.large' });
}

function refuseUnreadableBodies(request: Request, response: Response, next: NextFunction): void {
  // null: no body at all; a string: one of ours. An empty body (a POST with Content-Length: 0, as
  // browsers send a bodiless POST) has no type to check.
  if (request.headers['content-length'] === '0' || request.is(BODY_TYPES) !== false) return next();
  const type = request.headers['content-type'];
  response.status(415).json({
    statusCode: 415,
    error: 'UNSUPPORTED_MEDIA_TYPE',
    message: `${type ? `Content-Type ${JSON.stringify(type)}` : 'a body without a Content-Type'} is not accepted: send ${BODY_TYPES.join(' or ')}`,
  });
}

const PARSER_ERRORS: Record<string, { status: number; error: string; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, error: 'HEADERS_TOO_LARGE', message: 'the request headers are larger than the server accepts' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, error: 'REQUEST_TIMEOUT', message: 'the request was not received in time' },
};

/** Replaces Node's default clientError handling, which answers with an empty body. */
function answerParserErrorsWithJson(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException & { reason?: string }, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const known = error.code ? PARSER_ERRORS[error.code] : undefined;
    const { status, error: code, message } = known ?? {
      status: 400,
      error: 'MALFORMED_REQUEST',
      // llhttp's reason is a fixed phrase ("Invalid header value char"), never the request's bytes.
      message: `the request is not valid HTTP/1.1: ${error.reason ?? error.code ?? 'parse error'}`,
    };
    const body = JSON.stringify({ statusCode: status, error: code, message });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'X-Content-Type-Options: nosniff\r\n' +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}

