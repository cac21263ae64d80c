// `tarmac_rollouts{status}`: counted in the database at scrape time, so every replica
// reports the same figures.
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { ROLLOUT_STATUSES } from '../../../../libs/protocol/src/index.js';
import { MetricsService } from '../metrics/metrics.service.js';

@Injectable()
export class RolloutMetrics implements OnModuleInit {
  constructor(
    private readonly db: DataSource,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    const db = this.db;
    new Gauge({
      name: 'tarmac_rollouts',
      help: 'Rollouts by status',
      labelNames: ['status'] as const,
      registers: [this.metrics.registry],
      async collect() {
        const rows: { status: string; count: number }[] = await db.query('SELECT status, count(*)::int AS count FROM rollouts GROUP BY status');
        for (const status of ROLLOUT_STATUSES) this.set({ status }, rows.find((row) => row.status === status)?.count ?? 0);
      },
    });
  }
}
