// Users and their API tokens as an admin manages them. Token secrets never leave
// the service that generates them: only their hashes are written here.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Role } from '../auth/principal.js';

export interface ApiTokenView {
  id: string;
  name: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface UserView {
  id: string;
  name: string;
  roles: Role[];
  createdAt: string;
  tokens: ApiTokenView[];
}

interface UserRow {
  id: string;
  name: string;
  roles: Role[];
  created_at: Date;
  tokens: { id: string; name: string; created_at: string; revoked_at: string | null }[] | null;
}

interface TokenRow {
  id: string;
  name: string;
  created_at: Date;
  revoked_at: Date | null;
}

// json_agg renders timestamps as ISO text without converting them back to Date.
const WITH_TOKENS = `
  SELECT u.id, u.name, u.roles, u.created_at,
         (SELECT json_agg(json_build_object('id', t.id, 'name', t.name, 'created_at', t.created_at, 'revoked_at', t.revoked_at)
                          ORDER BY t.created_at, t.id)
            FROM api_tokens t WHERE t.user_id = u.id) AS tokens
    FROM users u`;

@Injectable()
export class UserRepository {
  constructor(private readonly db: DataSource) {}

  async list(): Promise<UserView[]> {
    const rows: UserRow[] = await this.db.query(`${WITH_TOKENS} ORDER BY u.name`);
    return rows.map(toUserView);
  }

  async find(name: string, tx: EntityManager | DataSource = this.db, lock = false): Promise<UserView | undefined> {
    const rows: UserRow[] = await tx.query(`${WITH_TOKENS} WHERE u.name = $1${lock ? ' FOR UPDATE OF u' : ''}`, [name]);
    return rows[0] && toUserView(rows[0]);
  }

  /** Inserts a user; undefined when the name is taken. */
  async create(tx: EntityManager, name: string, roles: Role[], now: Date): Promise<UserView | undefined> {
    const rows: UserRow[] = await tx.query(
      `INSERT INTO users (name, roles, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING
       RETURNING id, name, roles, created_at, NULL AS tokens`,
      [name, roles, now],
    );
    return rows[0] && toUserView(rows[0]);
  }

  async setRoles(tx: EntityManager, userId: string, roles: Role[]): Promise<void> {
    await tx.query('UPDATE users SET roles = $2 WHERE id = $1', [userId, roles]);
  }

  /**
   * Locks every admin's row and counts them. Two admins demoting each other at once are
   * serialised by these locks, so the second sees the first's change and one admin stays.
   */
  async lockAdmins(tx: EntityManager): Promise<string[]> {
    const rows: { id: string }[] = await tx.query(`SELECT id FROM users WHERE 'admin' = ANY(roles) ORDER BY id FOR UPDATE`);
    return rows.map((row) => row.id);
  }

  async createToken(tx: EntityManager, userId: string, name: string, tokenHash: string, now: Date): Promise<ApiTokenView> {
    const [row]: TokenRow[] = await tx.query(
      `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)
       RETURNING id, name, created_at, revoked_at`,
      [userId, name, tokenHash, now],
    );
    return toTokenView(row!);
  }

  /** Revokes one of the user's tokens; undefined when the user has no such token. Revoking twice keeps the first time. */
  async revokeToken(tx: EntityManager, userId: string, tokenId: string, now: Date): Promise<{ token: ApiTokenView; revokedNow: boolean } | undefined> {
    const [before]: TokenRow[] = await tx.query(
      'SELECT id, name, created_at, revoked_at FROM api_tokens WHERE id = $1 AND user_id = $2 FOR UPDATE',
      [tokenId, userId],
    );
    if (!before) return undefined;
    if (before.revoked_at) return { token: toTokenView(before), revokedNow: false };
    const [[after]]: [TokenRow[], number] = await tx.query(
      'UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 RETURNING id, name, created_at, revoked_at',
      [tokenId, now],
    );
    return { token: toTokenView(after!), revokedNow: true };
  }
}

function toUserView(row: UserRow): UserView {
  return {
    id: row.id,
    name: row.name,
    roles: row.roles,
    createdAt: row.created_at.toISOString(),
    tokens: (row.tokens ?? []).map((t) => ({
      id: t.id,
      name: t.name,
      createdAt: new Date(t.created_at).toISOString(),
      revokedAt: t.revoked_at === null ? null : new Date(t.revoked_at).toISOString(),
    })),
  };
}

function toTokenView(row: TokenRow): ApiTokenView {
  return { id: row.id, name: row.name, createdAt: row.created_at.toISOString(), revokedAt: row.revoked_at?.toISOString() ?? null };
}
