// Users, their roles and their API tokens, managed by admins. Every change is audited
// in the transaction that makes it; a token's secret is returned once and never stored.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Conflict, NotFound } from '../../../../libs/domain/src/index.js';
import { AuditLogRepository, type Actor } from '../audit/audit-log.repository.js';
import type { Role } from '../auth/principal.js';
import { Clock } from '../common/clock.js';
import { generateToken, hashToken } from '../common/tokens.js';
import { DashboardSockets } from '../dashboard/dashboard-sockets.js';
import { UserRepository, type ApiTokenView, type UserView } from './user.repository.js';

@Injectable()
export class UserService {
  constructor(
    private readonly db: DataSource,
    private readonly users: UserRepository,
    private readonly audit: AuditLogRepository,
    private readonly dashboards: DashboardSockets,
    private readonly clock: Clock,
  ) {}

  list(): Promise<UserView[]> {
    return this.users.list();
  }

  create(actor: Actor, name: string, roles: Role[]): Promise<UserView> {
    const at = this.clock.now();
    return this.db.transaction(async (tx) => {
      const user = await this.users.create(tx, name, roles, at);
      if (!user) throw new Conflict('USER_EXISTS', `user ${JSON.stringify(name)} already exists`);
      await this.audit.record(tx, { actor, action: 'user.created', entityType: 'user', entityId: name, after: { roles }, at });
      return user;
    });
  }

  setRoles(actor: Actor, name: string, roles: Role[]): Promise<UserView> {
    const at = this.clock.now();
    return this.db.transaction(async (tx) => {
      // Admins first, then the user, always in this order, so two updates cannot deadlock.
      const admins = await this.users.lockAdmins(tx);
      const user = await this.mustFind(tx, name);
      if (admins.length === 1 && admins[0] === user.id && !roles.includes('admin')) {
        throw new Conflict('LAST_ADMIN', `${name} is the last admin; make another user admin first`);
      }
      await this.users.setRoles(tx, user.id, roles);
      await this.audit.record(tx, { actor, action: 'user.updated', entityType: 'user', entityId: name, before: { roles: user.roles }, after: { roles }, at });
      return { ...user, roles };
    });
  }

  issueToken(actor: Actor, userName: string, tokenName: string): Promise<ApiTokenView & { token: string }> {
    const at = this.clock.now();
    const token = generateToken('api');
    return this.db.transaction(async (tx) => {
      const user = await this.mustFind(tx, userName);
      const view = await this.users.createToken(tx, user.id, tokenName, hashToken(token), at);
      await this.audit.record(tx, { actor, action: 'api-token.issued', entityType: 'api-token', entityId: view.id, after: { user: userName, name: tokenName }, at });
      return { ...view, token };
    });
  }

  /** Revokes a token and, once that has committed, closes the dashboard feeds it opened. */
  async revokeToken(actor: Actor, userName: string, tokenId: string): Promise<void> {
    const at = this.clock.now();
    await this.db.transaction(async (tx) => {
      const user = await this.mustFind(tx, userName);
      const revoked = await this.users.revokeToken(tx, user.id, tokenId, at);
      if (!revoked) throw new NotFound('api token', tokenId);
      if (!revoked.revokedNow) return;
      await this.audit.record(tx, {
        actor,
        action: 'api-token.revoked',
        entityType: 'api-token',
        entityId: tokenId,
        before: { user: userName, name: revoked.token.name, revokedAt: null },
        after: { user: userName, name: revoked.token.name, revokedAt: revoked.token.revokedAt },
        at,
      });
    });
    this.dashboards.disconnectToken(tokenId);
  }

  private async mustFind(tx: EntityManager, name: string): Promise<UserView> {
    const user = await this.users.find(name, tx, true);
    if (!user) throw new NotFound('user', name);
    return user;
  }
}
