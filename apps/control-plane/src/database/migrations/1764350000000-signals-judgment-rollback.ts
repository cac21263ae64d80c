import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signals from the agents as short time series, the judgments made from them, and each
 * host's last stable release per service (what a rollback goes back to).
 */
export class SignalsJudgmentRollback1764350000000 implements MigrationInterface {
  name = 'SignalsJudgmentRollback1764350000000';

  async up(db: QueryRunner): Promise<void> {
    // One row per container per agent report; counters are what happened in the interval.
    await db.query(`
      CREATE TABLE signal_samples (
        id bigserial PRIMARY KEY,
        received_at timestamptz NOT NULL,
        hostname text NOT NULL,
        datacenter text NOT NULL,
        service text NOT NULL,
        release text NOT NULL,
        image text NOT NULL,
        interval_ms integer NOT NULL,
        healthy boolean,
        health_failures integer NOT NULL,
        restarts integer NOT NULL,
        cpu_percent double precision NOT NULL,
        memory_bytes bigint NOT NULL,
        requests bigint NOT NULL,
        status_5xx bigint NOT NULL,
        status_4xx bigint NOT NULL,
        status_counts jsonb NOT NULL,
        latency_ms_sum double precision NOT NULL,
        latency_count bigint NOT NULL,
        error_lines bigint NOT NULL
      )`);
    await db.query(`CREATE INDEX signal_samples_service_idx ON signal_samples (service, received_at)`);
    await db.query(`CREATE INDEX signal_samples_received_idx ON signal_samples (received_at)`);
    await db.query(`
      CREATE TABLE rollout_judgments (
        id bigserial PRIMARY KEY,
        rollout_id uuid NOT NULL REFERENCES rollouts(id),
        scope text NOT NULL,
        at timestamptz NOT NULL,
        verdict text NOT NULL CHECK (verdict IN ('pass', 'fail', 'inconclusive')),
        conclusion text CHECK (conclusion IN ('pass', 'fail', 'inconclusive')),
        reasons jsonb NOT NULL,
        figures jsonb NOT NULL
      )`);
    await db.query(`CREATE INDEX rollout_judgments_rollout_idx ON rollout_judgments (rollout_id, at)`);
    await db.query(`
      CREATE TABLE host_releases (
        hostname text NOT NULL,
        service text NOT NULL,
        image text NOT NULL,
        release text NOT NULL,
        container jsonb NOT NULL,
        config_version integer,
        rollout_id uuid REFERENCES rollouts(id),
        recorded_at timestamptz NOT NULL,
        PRIMARY KEY (hostname, service)
      )`);
    await db.query('DROP INDEX rollouts_active_idx');
    await db.query(`CREATE INDEX rollouts_active_idx ON rollouts (status) WHERE status IN ('pending', 'running', 'paused', 'rolling_back')`);
    // Every decision abandons the open commands it no longer waits for: read through this, not all of the rollout's commands.
    await db.query(`CREATE INDEX host_commands_rollout_open_idx ON host_commands (rollout_id) WHERE status IN ('pending', 'sent')`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX host_commands_rollout_open_idx');
    await db.query('DROP INDEX rollouts_active_idx');
    await db.query(`CREATE INDEX rollouts_active_idx ON rollouts (status) WHERE status IN ('pending', 'running', 'paused')`);
    for (const table of ['host_releases', 'rollout_judgments', 'signal_samples']) await db.query(`DROP TABLE ${table}`);
  }
}
