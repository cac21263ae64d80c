// The /dashboard namespace's Origin check, fed from the socket.io handshake: the page's
// Origin header against the control plane's own origin (scheme and Host header of this
// request, so it holds behind any name the operator serves it as) and TARMAC_DASHBOARD_ORIGINS.
import type { Socket } from 'socket.io';
import { checkDashboardOrigin, type HandshakeRefused } from '../../../../libs/domain/src/index.js';

export function dashboardOriginRefusal(socket: Socket, allowed: readonly string[]): HandshakeRefused | undefined {
  const { headers, secure } = socket.handshake;
  const host = headers.host;
  const ownOrigin = host && URL.canParse(`http://${host}`) ? new URL(`${secure ? 'https' : 'http'}://${host}`).origin : undefined;
  return checkDashboardOrigin({ origin: headers.origin, ownOrigin }, allowed);
}
