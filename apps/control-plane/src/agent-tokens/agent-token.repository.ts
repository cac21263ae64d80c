// Agent enrollment tokens: stored as hashes, bound to a hostname at first use. The database
// holds that a hostname is owned by at most one unrevoked token (agent_tokens_host_owner).
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AgentTokenState } from '../../../../libs/domain/src/index.js';

export interface AgentTokenView {
  id: string;
  name: string;
  hostname: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface AgentTokenRow {
  id: string;
  name: string;
  hostname: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const UNIQUE_VIOLATION = '23505';

const COLUMNS = 'id, name, hostname, created_at, last_used_at, revoked_at';

@Injectable()
export class AgentTokenRepository {
  constructor(private readonly db: DataSource) {}

  async create(name: string, tokenHash: string): Promise<AgentTokenView> {
    const [row]: AgentTokenRow[] = await this.db.query(
      `INSERT INTO agent_tokens (name, token_hash) VALUES ($1, $2) RETURNING ${COLUMNS}`,
      [name, tokenHash],
    );
    return toView(row);
  }

  async list(): Promise<AgentTokenView[]> {
    const rows: AgentTokenRow[] = await this.db.query(`SELECT ${COLUMNS} FROM agent_tokens ORDER BY created_at`);
    return rows.map(toView);
  }

  async findStateByHash(tokenHash: string): Promise<AgentTokenState | undefined> {
    const rows: AgentTokenRow[] = await this.db.query(`SELECT ${COLUMNS} FROM agent_tokens WHERE token_hash = $1`, [
      tokenHash,
    ]);
    const row = rows[0];
    return row && { id: row.id, hostname: row.hostname, revokedAt: row.revoked_at };
  }

  /** The id of the unrevoked token that owns a hostname, or null when none does. */
  async ownerOf(hostname: string): Promise<string | null> {
    const rows: { id: string }[] = await this.db.query(
      'SELECT id FROM agent_tokens WHERE hostname = $1 AND revoked_at IS NULL',
      [hostname],
    );
    return rows[0]?.id ?? null;
  }

  /**
   * Binds an unbound token to a hostname, or records its use when already bound to it.
   * Returns false when another connection bound it to a different hostname first, or
   * another token took the hostname first (the unique index settles that race).
   */
  async bindAndTouch(id: string, hostname: string, now: Date): Promise<boolean> {
    try {
      const result = await this.db.query(
        `UPDATE agent_tokens SET hostname = COALESCE(hostname, $2), last_used_at = $3
          WHERE id = $1 AND revoked_at IS NULL AND (hostname IS NULL OR hostname = $2)`,
        [id, hostname, now],
      );
      return result[1] === 1;
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return false;
      throw error;
    }
  }

  /** Revokes a token; returns false when there is no such token. */
  async revoke(id: string, now: Date): Promise<boolean> {
    const result = await this.db.query(
      'UPDATE agent_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1',
      [id, now],
    );
    return result[1] === 1;
  }
}

function toView(row: AgentTokenRow): AgentTokenView {
  return {
    id: row.id,
    name: row.name,
    hostname: row.hostname,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}
