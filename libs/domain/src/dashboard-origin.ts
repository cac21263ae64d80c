// Which browser pages may open the /dashboard socket. A page from another origin runs in
// the operator's browser and could ride a token the dashboard keeps, so only the control
// plane's own origin and the configured ones are let in. Clients with no Origin header
// (the CLI's watch, scripts) are not browsers; they still need an API token.
import { DashboardRefusal } from '../../protocol/src/index.js';
import type { HandshakeRefused } from './agent-handshake.js';

export interface DashboardOriginRequest {
  /** The Origin header, when the client sent one. */
  origin: string | undefined;
  /** The control plane's origin as this request reached it: scheme and Host header. */
  ownOrigin: string | undefined;
}

/** `allowed`: origins (normalised, `new URL(x).origin`) besides the control plane's own. */
export function checkDashboardOrigin(request: DashboardOriginRequest, allowed: readonly string[]): HandshakeRefused | undefined {
  const { origin } = request;
  if (origin === undefined) return undefined;
  const normalised = URL.canParse(origin) ? new URL(origin).origin : origin;
  // An opaque origin (a sandboxed frame, a file:// page) is sent as "null" and matches nothing.
  if (normalised !== 'null' && (normalised === request.ownOrigin || allowed.includes(normalised))) return undefined;
  return {
    accept: false,
    code: DashboardRefusal.OriginNotAllowed,
    message: `origin ${JSON.stringify(origin)} may not open the dashboard feed; add it to TARMAC_DASHBOARD_ORIGINS`,
  };
}
