// The control plane's REST API as the CLI calls it: bearer token, JSON (or a plan
// file's text as-is), and the API's error body turned into an ApiError unchanged.
import { ApiError, ConnectionError, type ApiIssue } from './cli-errors.js';
import type { Connection } from './cli-config.js';

export type Body = { json: unknown } | { text: string; contentType: string };

export class ApiClient {
  constructor(readonly connection: Connection) {}

  get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
    const search = new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined));
    const suffix = search.size > 0 ? `?${search}` : '';
    return this.request<T>('GET', `${path}${suffix}`);
  }

  post<T>(path: string, body?: Body): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body?: Body): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  async request<T>(method: string, path: string, body?: Body): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.connection.token}`, Accept: 'application/json' };
    let payload: string | undefined;
    if (body && 'json' in body) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body) {
      headers['Content-Type'] = body.contentType;
      payload = body.text;
    }
    let response: Response;
    try {
      response = await fetch(`${this.connection.server}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new ConnectionError(`cannot reach ${this.connection.server}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) throw toApiError(response.status, response.statusText, parsed, text);
    if (text === '') return undefined as T;
    if (parsed === undefined) throw new ConnectionError(`${method} ${path}: the server answered ${response.status} with a body that is not JSON`);
    return parsed as T;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The API's own code and message when the body has them; the HTTP status otherwise. */
function toApiError(status: number, statusText: string, body: unknown, text: string): ApiError {
  if (body && typeof body === 'object') {
    const { error, message, issues } = body as { error?: unknown; message?: unknown; issues?: unknown };
    const messageText = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : statusText;
    const issueList = Array.isArray(issues)
      ? issues.filter((i): i is ApiIssue => !!i && typeof i === 'object' && typeof i.message === 'string').map((i) => ({ path: String(i.path ?? ''), message: i.message }))
      : [];
    return new ApiError(status, typeof error === 'string' ? error : `HTTP_${status}`, messageText, issueList);
  }
  return new ApiError(status, `HTTP_${status}`, text.trim().slice(0, 500) || statusText);
}
