// Every HTTP route is authenticated unless marked @Public(): 401 when the bearer token
// is missing or unknown, 403 when the user lacks the route's role. Sockets are
// authenticated by their namespaces' handshake middleware instead.
import { ForbiddenException, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { hashToken } from '../common/tokens.js';
import { ApiTokenRepository } from './api-token.repository.js';
import { hasAnyRole, IS_PUBLIC, REQUIRED_ROLES, type Role } from './principal.js';

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokenRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Sockets authenticate once, in their namespace's handshake middleware.
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest();
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new UnauthorizedException('missing bearer token: send "Authorization: Bearer <API token>"');
    const principal = await this.tokens.findPrincipalByHash(hashToken(token));
    if (!principal) throw new UnauthorizedException('API token is not valid or has been revoked');
    request.principal = principal;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    if (roles && !hasAnyRole(principal, roles)) {
      throw new ForbiddenException(`this action needs the role ${roles.join(' or ')}; ${principal.userName} has ${principal.roles.join(', ') || 'none'}`);
    }
    return true;
  }
}

export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}
