import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users and their API tokens, agent tokens, hosts, and the dashboard event outbox. */
export class Foundation1764200000000 implements MigrationInterface {
  name = 'Foundation1764200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        roles text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await db.query(`
      CREATE TABLE agent_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        hostname text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await db.query(`
      CREATE TABLE hosts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        hostname text NOT NULL UNIQUE,
        datacenter text NOT NULL,
        labels jsonb NOT NULL DEFAULT '{}',
        agent_version text NOT NULL,
        engine jsonb NOT NULL,
        containers jsonb NOT NULL DEFAULT '[]',
        status text NOT NULL CHECK (status IN ('online', 'unreachable', 'offline')),
        connected boolean NOT NULL,
        connection_id text,
        agent_token_id uuid REFERENCES agent_tokens(id) ON DELETE SET NULL,
        last_heartbeat_at timestamptz NOT NULL,
        registered_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await db.query(`CREATE INDEX hosts_datacenter_idx ON hosts (datacenter)`);
    await db.query(`CREATE INDEX hosts_online_heartbeat_idx ON hosts (last_heartbeat_at) WHERE status = 'online'`);
    await db.query(`CREATE TABLE event_sequence (id smallint PRIMARY KEY CHECK (id = 1), value bigint NOT NULL)`);
    await db.query(`INSERT INTO event_sequence (id, value) VALUES (1, 0)`);
    await db.query(`
      CREATE TABLE dashboard_events (
        seq bigint PRIMARY KEY,
        type text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['dashboard_events', 'event_sequence', 'hosts', 'agent_tokens', 'api_tokens', 'users']) {
      await db.query(`DROP TABLE ${table}`);
    }
  }
}
