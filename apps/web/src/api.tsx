// The page's HTTP client: every /api call with the signed-in API token, errors as the
// API gives them ({ error: CODE, message }).
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Me {
  id: string;
  name: string;
  roles: string[];
}

const TOKEN_KEY = 'tarmac.apiToken';

/** The token lives for the tab's session only: closing the tab signs out. */
export const storedToken = (): string | null => sessionStorage.getItem(TOKEN_KEY);
export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

export type Api = <T>(method: 'GET' | 'POST', path: string, body?: unknown) => Promise<T>;

export function apiClient(token: string): Api {
  return async <T,>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const response = await fetch(path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!response.ok) {
      const error = (data ?? {}) as { error?: string; message?: string | string[] };
      const message = Array.isArray(error.message) ? error.message.join('; ') : (error.message ?? response.statusText);
      throw new ApiError(response.status, error.error ?? String(response.status), message);
    }
    return data as T;
  };
}

/**
 * Who may pause, resume and abort: the roles the rollouts controller requires
 * (operator, dispatcher), and admin, which passes every role check.
 */
const STEERING_ROLES = ['operator', 'dispatcher', 'admin'];
export const canSteerRollouts = (me: Me): boolean => me.roles.some((role) => STEERING_ROLES.includes(role));
