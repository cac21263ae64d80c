import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The release process: datacenters, services with versioned config files, launch plans
 * and their gate signatures, launch summaries, freeze windows, rollout records, the
 * scheduler's jobs, and the append-only audit log.
 */
export class ReleaseProcess1764300000000 implements MigrationInterface {
  name = 'ReleaseProcess1764300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE datacenters (
        name text PRIMARY KEY,
        rollout_order integer NOT NULL UNIQUE,
        description text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // An admin's assignment wins over what the agent reports.
    await db.query(`ALTER TABLE hosts ADD COLUMN datacenter_assigned boolean NOT NULL DEFAULT false`);
    await db.query(`ALTER TABLE hosts ADD COLUMN pool text NOT NULL DEFAULT 'production' CHECK (pool IN ('preview', 'production'))`);

    await db.query(`
      CREATE TABLE services (
        name text PRIMARY KEY,
        image_repository text NOT NULL,
        role text NOT NULL,
        spec jsonb NOT NULL,
        revision integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE service_configs (
        service text NOT NULL REFERENCES services(name) ON DELETE CASCADE,
        version integer NOT NULL,
        files jsonb NOT NULL,
        created_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (service, version)
      )`);

    await db.query(`
      CREATE TABLE plans (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title text NOT NULL,
        author_id uuid NOT NULL REFERENCES users(id),
        status text NOT NULL CHECK (status IN ('draft', 'in_review', 'delayed', 'approved', 'scheduled', 'started', 'cancelled')),
        spec jsonb NOT NULL,
        content_hash text NOT NULL,
        planned_launch_at timestamptz NOT NULL,
        review_requested_at timestamptz,
        delay_override jsonb,
        rejection jsonb,
        revision integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX plans_status_idx ON plans (status)`);
    await db.query(`CREATE INDEX plans_author_idx ON plans (author_id)`);
    await db.query(`
      CREATE TABLE gate_signatures (
        id bigserial PRIMARY KEY,
        plan_id uuid NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
        gate text NOT NULL CHECK (gate IN ('code_review', 'qa', 'supervisor', 'dispatcher')),
        decision text NOT NULL CHECK (decision IN ('approve', 'reject')),
        comment text NOT NULL DEFAULT '',
        user_id uuid NOT NULL REFERENCES users(id),
        content_hash text NOT NULL,
        plan_revision integer NOT NULL,
        signed_at timestamptz NOT NULL
      )`);
    await db.query(`CREATE INDEX gate_signatures_plan_idx ON gate_signatures (plan_id, id)`);

    await db.query(`
      CREATE TABLE summaries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title text NOT NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL CHECK (window_end > window_start),
        status text NOT NULL CHECK (status IN ('draft', 'published', 'completed', 'cancelled')),
        notes text NOT NULL DEFAULT '',
        created_by uuid NOT NULL REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await db.query(`
      CREATE TABLE summary_plans (
        summary_id uuid NOT NULL REFERENCES summaries(id) ON DELETE CASCADE,
        plan_id uuid NOT NULL REFERENCES plans(id),
        position integer NOT NULL,
        merge_order integer NOT NULL,
        package_order integer NOT NULL,
        rollback_order integer NOT NULL,
        with_previous boolean NOT NULL DEFAULT false,
        PRIMARY KEY (summary_id, plan_id),
        UNIQUE (summary_id, position)
      )`);

    await db.query(`
      CREATE TABLE freezes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL CHECK (ends_at > starts_at),
        reason text NOT NULL,
        created_by uuid NOT NULL REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    await db.query(`
      CREATE TABLE rollouts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        plan_id uuid NOT NULL UNIQUE REFERENCES plans(id),
        summary_id uuid REFERENCES summaries(id),
        status text NOT NULL,
        started_by uuid REFERENCES users(id),
        emergency jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    // Durable work for the scheduler: claimed with FOR UPDATE SKIP LOCKED, so several
    // replicas never run one job twice; `key` makes enqueueing idempotent.
    await db.query(`
      CREATE TABLE jobs (
        id bigserial PRIMARY KEY,
        kind text NOT NULL,
        key text NOT NULL UNIQUE,
        payload jsonb NOT NULL,
        run_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed', 'cancelled')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await db.query(`CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE status = 'pending'`);

    await db.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL,
        actor_id uuid,
        actor_name text NOT NULL,
        action text NOT NULL,
        entity_type text NOT NULL,
        entity_id text NOT NULL,
        plan_id uuid,
        before jsonb,
        after jsonb,
        reason text
      )`);
    await db.query(`CREATE INDEX audit_log_plan_idx ON audit_log (plan_id, id)`);
    await db.query(`CREATE INDEX audit_log_actor_idx ON audit_log (actor_name, id)`);
    await db.query(`CREATE INDEX audit_log_at_idx ON audit_log (at)`);
    await db.query(`
      CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TRIGGER audit_log_append_only ON audit_log');
    await db.query('DROP FUNCTION audit_log_is_append_only()');
    for (const table of ['audit_log', 'jobs', 'rollouts', 'freezes', 'summary_plans', 'summaries', 'gate_signatures', 'plans', 'service_configs', 'services', 'datacenters']) {
      await db.query(`DROP TABLE ${table}`);
    }
    await db.query('ALTER TABLE hosts DROP COLUMN pool');
    await db.query('ALTER TABLE hosts DROP COLUMN datacenter_assigned');
  }
}
