// One hostile HTTP request as data (a fast-check arbitrary per route of the OpenAPI
// document), how to send it, and what makes its answer acceptable: never a 5xx, and
// every 4xx a body that names the problem in the shape the API's own errors use.
import fc from 'fast-check';
import request from 'supertest';
import type { Operation, Parameter } from './openapi.js';
import { plausible, spoiled, type Resolve } from './schema-values.js';
import { describeValue, type Violation } from './tally.js';
import { deepJsonText, hostileShape, hostileString } from './values.js';
import { hostileYaml } from './yaml-bodies.js';

/** The body limit the control plane sets (app.ts: useBodyParser limit '1mb'). */
export const BODY_LIMIT = 1024 * 1024;
/** Node's default header limit: past it the answer is 431 before any body is read. */
const HEADER_LIMIT = 16 * 1024;

export type Body =
  | { kind: 'json'; value: unknown }
  | { kind: 'raw'; contentType: string; text: string; note: string };

export interface HttpCase {
  operation: Operation;
  caller: string;
  /** Each path parameter: text to percent-encode, or raw text sent as is (broken escapes). */
  path: Record<string, { text: string } | { raw: string }>;
  query: [string, string][];
  body?: Body;
  /** The one status this request must get (a method the route does not have: 405). */
  expectStatus?: number;
}

/** Percent-encodes every UTF-16 unit, lone surrogates too (as WTF-8, which encodeURIComponent refuses). */
export function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else out += encodeURIComponent(char);
  }
  return out;
}

const BROKEN_ESCAPES = ['%', '%ZZ', '%C0%80', '%FF', '%ED%A0%80', '%E2%82', '..%2F..%2F', '%2e%2e'];

function parameterValue(parameter: Parameter, known: Record<string, string[]>, resolve: Resolve): fc.Arbitrary<{ text: string } | { raw: string }> {
  const real = known[parameter.name] ?? [];
  const text = fc.oneof(
    ...(real.length ? [{ weight: 3, arbitrary: fc.constantFrom(...real) }] : []),
    { weight: 4, arbitrary: hostileString() },
    { weight: 1, arbitrary: plausible(parameter.schema, resolve).map(String) },
    { weight: 1, arbitrary: fc.constantFrom('-1', '0', '2147483648', '9007199254740993', '1e309', 'NaN', '00000000-0000-0000-0000-000000000000') },
  );
  // Past Node's 16 KB header limit the answer is 431, and far past it the client sees its
  // own write reset before that answer: 20 000 characters reach the limit and stay readable.
  return fc.oneof({ weight: 9, arbitrary: text.map((value) => ({ text: value.slice(0, 20_000) })) }, { weight: 1, arbitrary: fc.constantFrom(...BROKEN_ESCAPES).map((raw) => ({ raw })) });
}

function queryValues(operation: Operation, resolve: Resolve): fc.Arbitrary<[string, string][]> {
  const declared = operation.parameters.filter((p) => p.in === 'query');
  const one = fc.oneof(
    ...declared.map((p) => fc.tuple(fc.constant(p.name), fc.oneof(hostileString(), plausible(p.schema, resolve).map(String)))),
    fc.tuple(fc.constantFrom('unexpected', '__proto__', 'limit[$gt]', 'a'.repeat(300)), hostileString()),
  );
  const short = one.map(([key, value]): [string, string] => [key, value.slice(0, 20_000)]);
  return fc.array(short, { maxLength: 4 });
}

function bodyFor(operation: Operation, resolve: Resolve): fc.Arbitrary<Body | undefined> {
  const schema = operation.body?.schema;
  const json = (value: fc.Arbitrary<unknown>) => value.map((v): Body => ({ kind: 'json', value: v }));
  const filler = (length: number) => fc.constant<Body>({ kind: 'json', value: { padding: 'x'.repeat(length) } });
  const choices: fc.WeightedArbitrary<Body | undefined>[] = [
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: json(hostileShape()) },
    { weight: 1, arbitrary: filler(BODY_LIMIT - 64) },
    { weight: 1, arbitrary: filler(BODY_LIMIT + 64) },
    // As deep as the body limit allows: JSON.parse takes about 0.4 s on it here.
    { weight: 1, arbitrary: fc.constant<Body>({ kind: 'raw', contentType: 'application/json', text: deepJsonText(500_000), note: '500000-deep array' }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('{', '{"a":', '[1,]', '\u0000', 'null', '"x"', '{"a":1}{"b":2}', '\ufeff{}').map((text): Body => ({ kind: 'raw', contentType: 'application/json', text, note: 'malformed JSON' })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x').map(
        (contentType): Body => ({ kind: 'raw', contentType, text: 'a=1&b=%00', note: 'unexpected media type' }),
      ),
    },
  ];
  if (schema) {
    choices.push({ weight: 8, arbitrary: json(spoiled(schema, resolve)) }, { weight: 2, arbitrary: json(plausible(schema, resolve)) });
    // At the size limit and still well-formed: one field of the real shape carries the bulk.
    choices.push({
      weight: 1,
      arbitrary: plausible(schema, resolve).map((value): Body => ({ kind: 'json', value: value && typeof value === 'object' && !Array.isArray(value) ? { ...value, description: 'y'.repeat(BODY_LIMIT - 4096) } : value })),
    });
  }
  if (operation.body?.contentTypes.includes('application/yaml')) choices.push({ weight: 4, arbitrary: hostileYaml() });
  return fc.oneof(...choices);
}

export function httpCase(operation: Operation, callers: readonly string[], known: Record<string, string[]>, resolve: Resolve): fc.Arbitrary<HttpCase> {
  const pathParameters = operation.parameters.filter((p) => p.in === 'path');
  return fc.record({
    operation: fc.constant(operation),
    caller: fc.constantFrom(...callers),
    path: fc.record(Object.fromEntries(pathParameters.map((p) => [p.name, parameterValue(p, known, resolve)]))),
    query: queryValues(operation, resolve),
    body: bodyFor(operation, resolve),
  });
}

export function urlOf(c: HttpCase): string {
  const path = c.operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = c.path[name]!;
    return 'raw' in value ? value.raw : percentEncode(value.text);
  });
  const query = c.query.map(([key, value]) => `${percentEncode(key)}=${percentEncode(value)}`).join('&');
  return query ? `${path}?${query}` : path;
}

/**
 * The body as sent: none with a URL past the header limit, where the server answers 431
 * and closes while the body is still being written (the client sees its own reset).
 */
function bodySent(c: HttpCase): Body | undefined {
  return urlOf(c).length > HEADER_LIMIT ? undefined : c.body;
}

export function describeCase(c: HttpCase): string {
  const sent = bodySent(c);
  const body = !sent ? 'no body' : sent.kind === 'json' ? `json ${describeValue(sent.value)}` : `${sent.contentType} (${sent.note}) ${describeValue(sent.text, 80)}`;
  return `${c.operation.method.toUpperCase()} ${describeValue(urlOf(c), 200)} as ${c.caller}, ${body}`;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text: string;
}

/** No answer was read: `refused` when that is how the server refuses (see send). */
export type NoAnswer = { error: string; refused?: boolean };

export async function send(url: string, c: HttpCase, authorization: string | undefined): Promise<HttpAnswer | NoAnswer> {
  const target = urlOf(c);
  let pending = request(url)[c.operation.method](target).timeout(90_000);
  if (authorization) pending = pending.set('Authorization', authorization);
  const body = bodySent(c);
  if (body?.kind === 'json') pending = pending.set('Content-Type', 'application/json').send(JSON.stringify(body.value) ?? 'null');
  else if (body?.kind === 'raw') pending = pending.set('Content-Type', body.contentType).send(body.text);
  try {
    const response = await pending;
    return { status: response.status, headers: response.headers, body: response.body, text: response.text ?? '' };
  } catch (error) {
    const failure = error as Error & { code?: string; response?: HttpAnswer };
    if (failure.response) return { status: failure.response.status, headers: failure.response.headers, body: failure.response.body, text: failure.response.text };
    // Node answers an oversized head with 431 and closes at once; a client still writing
    // its long URL can see the reset first. That is a refusal, not a server that fell over.
    if (target.length > HEADER_LIMIT && /ECONNRESET|EPIPE/.test(failure.code ?? '')) return { error: `${failure.code} (URL over the header limit)`, refused: true };
    return { error: failure.code ?? failure.message };
  }
}

const MACHINE_CODE = /^[A-Z][A-Z0-9_]*$/;

/** The properties every answer must have; empty when it is acceptable. */
export function judge(answer: HttpAnswer | NoAnswer, expectStatus?: number): string[] {
  if ('error' in answer) return answer.refused ? [] : [`no response (${answer.error})`];
  const problems = [...judgeHeaders(answer.headers), ...(expectStatus && answer.status !== expectStatus ? [`not ${expectStatus}`] : [])];
  if (answer.status >= 500) return [...problems, '5xx'];
  if (answer.status < 400) return problems;
  const body = answer.body as { statusCode?: unknown; error?: unknown; message?: unknown } | undefined;
  if (!body || typeof body !== 'object' || Object.keys(body).length === 0) return [...problems, '4xx without a JSON error body'];
  if (body.statusCode !== answer.status) problems.push('4xx body statusCode missing or not the status');
  if (typeof body.error !== 'string' || !MACHINE_CODE.test(body.error)) problems.push('4xx body without a machine error code');
  if (typeof body.message !== 'string' || body.message.trim() === '') problems.push('4xx body without a message');
  return problems;
}

const HEADER_PROBLEM = /X-Powered-By|X-Content-Type-Options/;

/** Headers every answer carries (issue 15): no framework advertised, no content sniffing. */
export function judgeHeaders(headers: Record<string, string | string[] | undefined>): string[] {
  const problems: string[] = [];
  if (headers['x-powered-by'] !== undefined) problems.push(`sends X-Powered-By: ${String(headers['x-powered-by'])}`);
  if (headers['x-content-type-options'] !== 'nosniff') problems.push('no X-Content-Type-Options: nosniff');
  return problems;
}

export function answerLabel(answer: HttpAnswer | NoAnswer): string {
  if ('error' in answer) return `no response: ${answer.error}`;
  const code = (answer.body as { error?: unknown } | undefined)?.error;
  return `${answer.status} ${typeof code === 'string' ? code : '-'}`;
}

export function describeAnswer(answer: HttpAnswer | NoAnswer): string {
  if ('error' in answer) return `no response: ${answer.error}`;
  return `${answer.status} ${describeValue(answer.text || '(empty body)', 300)}`;
}

export function violationsOf(c: HttpCase, answer: HttpAnswer | NoAnswer): Violation[] {
  return judge(answer, c.expectStatus).map((property) => ({ property, sent: describeCase(c), got: describeAnswer(answer), anyOutcome: HEADER_PROBLEM.test(property), everyTarget: property === '5xx' }));
}
