// API tokens and the users they belong to.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal, Role } from './principal.js';

@Injectable()
export class ApiTokenRepository {
  constructor(private readonly db: DataSource) {}

  async findPrincipalByHash(tokenHash: string): Promise<Principal | undefined> {
    const rows: { token_id: string; user_id: string; name: string; roles: Role[] }[] = await this.db.query(
      `SELECT t.id AS token_id, u.id AS user_id, u.name, u.roles
         FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
      [tokenHash],
    );
    const row = rows[0];
    return row && { tokenId: row.token_id, userId: row.user_id, userName: row.name, roles: row.roles };
  }

  /**
   * Ensures the admin user exists and holds a token with this hash. Returns whether a
   * token was inserted. With `onlyIfNoTokens`, inserts only into a database with no API
   * token at all (first start). Serialised by a transaction-level advisory lock.
   */
  async ensureAdminToken(tokenHash: string, options: { onlyIfNoTokens: boolean }): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(7413220902)');
      if (options.onlyIfNoTokens) {
        const [{ count }] = await tx.query('SELECT count(*)::int AS count FROM api_tokens');
        if (count > 0) return false;
      }
      const [user] = await tx.query(
        `INSERT INTO users (name, roles) VALUES ('admin', '{admin}')
         ON CONFLICT (name) DO UPDATE SET roles = users.roles RETURNING id`,
      );
      const inserted = await tx.query(
        `INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, 'bootstrap', $2)
         ON CONFLICT (token_hash) DO NOTHING RETURNING id`,
        [user.id, tokenHash],
      );
      return inserted.length > 0;
    });
  }
}
