// Who is calling: the user behind an API token, with the roles they hold.
import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';

export const ROLES = ['engineer', 'reviewer', 'qa', 'supervisor', 'dispatcher', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  userId: string;
  userName: string;
  roles: Role[];
  tokenId: string;
}

export const IS_PUBLIC = 'tarmac:public';
export const REQUIRED_ROLES = 'tarmac:roles';

/** The route needs no token (liveness, readiness, API docs). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** The caller needs one of these roles; admins pass every role check. */
export const RequireRoles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest().principal,
);

export function hasAnyRole(principal: Principal, roles: readonly Role[]): boolean {
  return principal.roles.includes('admin') || roles.some((role) => principal.roles.includes(role));
}
