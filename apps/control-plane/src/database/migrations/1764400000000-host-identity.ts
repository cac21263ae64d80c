import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One host, one identity: a hostname is owned by at most one unrevoked agent token.
 * Before this, a fresh token could bind to the hostname of an existing host and take it
 * over. Where that already happened, the token created first keeps the host and the later
 * ones are revoked (an impostor's token is the later one; a host re-enrolled without
 * revoking its old token gets a new token from an operator), each revocation audited.
 */
export class HostIdentity1764400000000 implements MigrationInterface {
  name = 'HostIdentity1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      WITH ranked AS (
        SELECT id, hostname, row_number() OVER (PARTITION BY hostname ORDER BY created_at, id) AS rank
          FROM agent_tokens WHERE hostname IS NOT NULL AND revoked_at IS NULL
      ), revoked AS (
        UPDATE agent_tokens t SET revoked_at = now() FROM ranked r WHERE t.id = r.id AND r.rank > 1
        RETURNING t.id, t.hostname
      )
      INSERT INTO audit_log (at, actor_id, actor_name, action, entity_type, entity_id, reason)
      SELECT now(), NULL, 'tarmac', 'agent-token.revoked', 'agent-token', id::text,
             'another token was bound to host ' || hostname || ' first: one host, one identity'
        FROM revoked`);
    await db.query(`
      CREATE UNIQUE INDEX agent_tokens_host_owner ON agent_tokens (hostname)
        WHERE hostname IS NOT NULL AND revoked_at IS NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX agent_tokens_host_owner');
  }
}
