// Each host's last stable release per service: recorded when a rollout succeeds (the new
// release) or is rolled back (the release the host went back to). A rollout fixes, at its
// start, what each host goes back to on rollback.
import { Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { ConfigVersion, RolloutSpec, RolloutState } from '../../../../libs/domain/src/index.js';
import type { ContainerSpec, ManagedContainer } from '../../../../libs/protocol/src/index.js';

interface ReleaseRow {
  hostname: string;
  service: string;
  image: string;
  release: string;
  container: ContainerSpec;
  config_version: number | null;
  files: Record<string, string> | null;
}

@Injectable()
export class HostReleaseRepository {
  /**
   * What each host runs of each service before a rollout: its recorded stable release,
   * else the running container its agent reported (`<host>-<service>-<release>`, deployed
   * before Tarmac recorded releases) with the service's current container spec.
   */
  async previous(tx: EntityManager | DataSource, hostnames: string[], services: { name: string; container: ContainerSpec }[]): Promise<RolloutSpec['previous']> {
    const rows: ReleaseRow[] = await tx.query(
      `SELECT r.hostname, r.service, r.image, r.release, r.container, r.config_version, c.files
         FROM host_releases r LEFT JOIN service_configs c ON c.service = r.service AND c.version = r.config_version
        WHERE r.hostname = ANY($1::text[]) AND r.service = ANY($2::text[])`,
      [hostnames, services.map((s) => s.name)],
    );
    const reported: { hostname: string; containers: ManagedContainer[] }[] = await tx.query(
      'SELECT hostname, containers FROM hosts WHERE hostname = ANY($1::text[])',
      [hostnames],
    );
    const previous: RolloutSpec['previous'] = {};
    for (const { hostname, containers } of reported) {
      for (const service of services) {
        const running = containers.find((c) => c.state === 'running' && c.name.startsWith(`${hostname}-${service.name}-`));
        const release = running && releaseLabel(running.name.slice(hostname.length + service.name.length + 2));
        if (!running || !release) continue;
        (previous[hostname] ??= {})[service.name] = { image: running.image, release, container: service.container, healthCheck: service.container.healthCheck, config: null };
      }
    }
    for (const row of rows) {
      const config: ConfigVersion | null = row.config_version !== null && row.files ? { version: row.config_version, files: row.files } : null;
      (previous[row.hostname] ??= {})[row.service] = { image: row.image, release: row.release, container: row.container, healthCheck: row.container.healthCheck, config };
    }
    return previous;
  }

  /** A succeeded rollout: every host it updated now stably runs the new releases. */
  async recordSucceeded(tx: EntityManager, rolloutId: string, spec: RolloutSpec, state: RolloutState, now: Date): Promise<void> {
    const entries = Object.entries(state.hosts)
      .filter(([, host]) => host.updated)
      .flatMap(([hostname]) =>
        spec.releases.map((r) => ({
          hostname,
          service: r.service,
          image: r.image,
          release: r.release,
          container: r.container,
          // A plan that does not change the config keeps the one the host had.
          configVersion: r.config?.version ?? spec.previous[hostname]?.[r.service]?.config?.version ?? null,
        })),
      );
    await this.upsert(tx, rolloutId, entries, now);
  }

  /** A rolled-back rollout: every host it took back stably runs its previous releases again. */
  async recordRolledBack(tx: EntityManager, rolloutId: string, spec: RolloutSpec, state: RolloutState, now: Date): Promise<void> {
    const hostnames = (state.rollback?.groups ?? []).flatMap((group) => group.hosts);
    const entries = hostnames.flatMap((hostname) =>
      Object.entries(spec.previous[hostname] ?? {}).map(([service, before]) => ({
        hostname,
        service,
        image: before.image,
        release: before.release,
        container: before.container,
        configVersion: before.config?.version ?? null,
      })),
    );
    await this.upsert(tx, rolloutId, entries, now);
  }

  private async upsert(
    tx: EntityManager,
    rolloutId: string,
    entries: { hostname: string; service: string; image: string; release: string; container: ContainerSpec; configVersion: number | null }[],
    now: Date,
  ): Promise<void> {
    if (entries.length === 0) return;
    await tx.query(
      `INSERT INTO host_releases (hostname, service, image, release, container, config_version, rollout_id, recorded_at)
       SELECT e.hostname, e.service, e.image, e.release, e.container, e.config_version, $2, $3
         FROM jsonb_to_recordset($1::jsonb) AS e(hostname text, service text, image text, release text, container jsonb, config_version integer)
       ON CONFLICT (hostname, service) DO UPDATE SET image = EXCLUDED.image, release = EXCLUDED.release, container = EXCLUDED.container,
          config_version = EXCLUDED.config_version, rollout_id = EXCLUDED.rollout_id, recorded_at = EXCLUDED.recorded_at`,
      [JSON.stringify(entries.map((e) => ({ ...e, config_version: e.configVersion }))), rolloutId, now],
    );
  }
}

/** A container name's release part, if it can name a release (`[a-z0-9][a-z0-9.-]*`, at most 63). */
function releaseLabel(candidate: string): string | undefined {
  return /^[a-z0-9][a-z0-9.-]{0,62}$/.test(candidate) ? candidate : undefined;
}
