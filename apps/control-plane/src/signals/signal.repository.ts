// Signal samples as short time series: one row per container per agent report, summed
// per service, release, datacenter and host when read. Old rows are deleted by age.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { VersionSignals } from '../../../../libs/domain/src/index.js';
import type { ContainerSignals, RolloutAnalysis } from '../../../../libs/protocol/src/index.js';

/** One agent's report, as received. */
export interface HostSample {
  hostname: string;
  intervalMs: number;
  receivedAt: Date;
  containers: ContainerSignals[];
}

const sumOf = (counts: Record<string, number>, digit: string) =>
  Object.entries(counts).reduce((sum, [code, n]) => (code.startsWith(digit) ? sum + n : sum), 0);

@Injectable()
export class SignalRepository {
  constructor(private readonly db: DataSource) {}

  /** Many agents' reports in one statement; each row takes its host's datacenter at the time. Answers each host's datacenter. */
  async append(samples: HostSample[]): Promise<Map<string, string>> {
    const rows = samples.flatMap((sample) =>
      sample.containers.map((c) => ({
        received_at: sample.receivedAt,
        hostname: sample.hostname,
        interval_ms: sample.intervalMs,
        service: c.service,
        release: c.release,
        image: c.image,
        healthy: c.healthy,
        health_failures: c.healthFailures,
        restarts: c.restarts,
        cpu_percent: c.cpuPercent,
        memory_bytes: c.memoryBytes,
        requests: Object.values(c.statusCounts).reduce((sum, n) => sum + n, 0),
        status_5xx: sumOf(c.statusCounts, '5'),
        status_4xx: sumOf(c.statusCounts, '4'),
        status_counts: c.statusCounts,
        latency_ms_sum: c.latencyMsSum,
        latency_count: c.latencyCount,
        error_lines: c.errorLines,
      })),
    );
    if (rows.length === 0) return new Map();
    const written: { hostname: string; datacenter: string }[] = await this.db.query(
      `INSERT INTO signal_samples (received_at, hostname, datacenter, interval_ms, service, release, image, healthy, health_failures, restarts,
              cpu_percent, memory_bytes, requests, status_5xx, status_4xx, status_counts, latency_ms_sum, latency_count, error_lines)
       SELECT r.received_at, r.hostname, COALESCE(h.datacenter, 'unknown'), r.interval_ms, r.service, r.release, r.image, r.healthy,
              r.health_failures, r.restarts, r.cpu_percent, r.memory_bytes, r.requests, r.status_5xx, r.status_4xx, r.status_counts,
              r.latency_ms_sum, r.latency_count, r.error_lines
         FROM jsonb_to_recordset($1::jsonb) AS r(received_at timestamptz, hostname text, interval_ms int, service text, release text, image text,
              healthy boolean, health_failures bigint, restarts bigint, cpu_percent float8, memory_bytes bigint, requests bigint, status_5xx bigint,
              status_4xx bigint, status_counts jsonb, latency_ms_sum float8, latency_count bigint, error_lines bigint)
         LEFT JOIN hosts h ON h.hostname = r.hostname
       RETURNING hostname, datacenter`,
      [JSON.stringify(rows)],
    );
    return new Map(written.map((row) => [row.hostname, row.datacenter]));
  }

  /**
   * The signals received in [from, to) for `services`, split into the new releases' and
   * everything else of those services (the old releases' hosts).
   */
  async window(tx: EntityManager | DataSource, services: string[], newReleases: string[], from: Date, to: Date): Promise<{ next: VersionSignals; previous: VersionSignals }> {
    const rows: { is_new: boolean; requests: string; status_5xx: string; error_lines: string; health_failures: string; restarts: string }[] = await tx.query(
      `SELECT release = ANY($2::text[]) AS is_new, sum(requests) AS requests, sum(status_5xx) AS status_5xx, sum(error_lines) AS error_lines,
              sum(health_failures) AS health_failures, sum(restarts) AS restarts
         FROM signal_samples WHERE service = ANY($1::text[]) AND received_at >= $3 AND received_at < $4
        GROUP BY 1`,
      [services, newReleases, from, to],
    );
    const side = (isNew: boolean): VersionSignals => {
      const row = rows.find((r) => r.is_new === isNew);
      return {
        requests: Number(row?.requests ?? 0),
        status5xx: Number(row?.status_5xx ?? 0),
        errorLines: Number(row?.error_lines ?? 0),
        healthFailures: Number(row?.health_failures ?? 0),
        restarts: Number(row?.restarts ?? 0),
      };
    };
    return { next: side(true), previous: side(false) };
  }

  /** Totals since `from` (and until `to`, if given) per service, release and datacenter. */
  async totals(services: string[], newReleases: string[], from: Date, to: Date | null): Promise<RolloutAnalysis['signals']> {
    const rows: Record<string, string | number | boolean | null>[] = await this.db.query(
      `SELECT service, release, datacenter, release = ANY($2::text[]) AS is_new, count(DISTINCT hostname)::int AS hosts,
              sum(requests) AS requests, sum(status_5xx) AS status_5xx, sum(error_lines) AS error_lines,
              sum(health_failures) AS health_failures, sum(restarts) AS restarts,
              CASE WHEN sum(latency_count) > 0 THEN sum(latency_ms_sum) / sum(latency_count) END AS mean_latency_ms,
              avg(cpu_percent) AS mean_cpu_percent, max(memory_bytes) AS max_memory_bytes
         FROM signal_samples
        WHERE service = ANY($1::text[]) AND received_at >= $3 AND ($4::timestamptz IS NULL OR received_at < $4)
        GROUP BY service, release, datacenter
        ORDER BY service, is_new DESC, release, datacenter`,
      [services, newReleases, from, to],
    );
    const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));
    return rows.map((r) => ({
      service: String(r.service),
      release: String(r.release),
      datacenter: String(r.datacenter),
      new: r.is_new === true,
      hosts: Number(r.hosts),
      requests: Number(r.requests),
      status5xx: Number(r.status_5xx),
      errorLines: Number(r.error_lines),
      healthFailures: Number(r.health_failures),
      restarts: Number(r.restarts),
      meanLatencyMs: num(r.mean_latency_ms),
      meanCpuPercent: num(r.mean_cpu_percent),
      maxMemoryBytes: num(r.max_memory_bytes),
    }));
  }

  /** Deletes samples received before `before`; returns how many. */
  async deleteBefore(before: Date): Promise<number> {
    const [, count]: [unknown, number] = await this.db.query('DELETE FROM signal_samples WHERE received_at < $1', [before]);
    return count;
  }
}
