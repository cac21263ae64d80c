// Takes each agent's signals: stores them with the host's datacenter and counts them
// into the Prometheus metrics on /metrics. Reports are group-committed: a fleet of
// 10,000 agents reporting every 5 s is 2,000 reports a second, written a batch per
// statement. Deletes samples past the retention, every few minutes (a single DELETE,
// safe with several replicas).
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter } from 'prom-client';
import type { HostSignals } from '../../../../libs/protocol/src/index.js';
import { Clock } from '../common/clock.js';
import { WriteBatcher } from '../common/write-batcher.js';
import { CONFIG } from '../common/core.module.js';
import type { Config } from '../config/config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { SignalRepository, type HostSample } from './signal.repository.js';

const RETENTION_SWEEP_MS = 5 * 60_000;

@Injectable()
export class SignalsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SignalsService.name);
  private timer: NodeJS.Timeout | undefined;
  private readonly requests: Counter<'service' | 'version' | 'datacenter' | 'code'>;
  private readonly healthFailures: Counter<'service' | 'version' | 'datacenter'>;
  private readonly restarts: Counter<'service' | 'version' | 'datacenter'>;
  private readonly errorLines: Counter<'service' | 'version' | 'datacenter'>;
  /** Answers each report's datacenter, for the metric labels. */
  private readonly writes = new WriteBatcher<HostSample, string>(async (samples) => {
    const datacenters = await this.samples.append(samples);
    return samples.map((sample) => datacenters.get(sample.hostname) ?? 'unknown');
  });

  constructor(
    private readonly samples: SignalRepository,
    private readonly clock: Clock,
    metrics: MetricsService,
    @Inject(CONFIG) private readonly config: Config,
  ) {
    const registers = [metrics.registry];
    this.requests = new Counter({ name: 'tarmac_service_requests_total', help: 'Requests in the services\' access logs, by service, version, datacenter and status code', labelNames: ['service', 'version', 'datacenter', 'code'], registers });
    this.healthFailures = new Counter({ name: 'tarmac_service_health_failures_total', help: 'Failed health probes of service containers', labelNames: ['service', 'version', 'datacenter'], registers });
    this.restarts = new Counter({ name: 'tarmac_service_restarts_total', help: 'Restarts of service containers', labelNames: ['service', 'version', 'datacenter'], registers });
    this.errorLines = new Counter({ name: 'tarmac_service_error_lines_total', help: 'Error-log lines of service containers', labelNames: ['service', 'version', 'datacenter'], registers });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), RETENTION_SWEEP_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async ingest(hostname: string, signals: HostSignals): Promise<void> {
    const datacenter = await this.writes.submit({ hostname, intervalMs: signals.intervalMs, receivedAt: this.clock.now(), containers: signals.containers });
    for (const c of signals.containers) {
      const labels = { service: c.service, version: c.release, datacenter };
      for (const [code, count] of Object.entries(c.statusCounts)) if (count > 0) this.requests.inc({ ...labels, code }, count);
      if (c.healthFailures > 0) this.healthFailures.inc(labels, c.healthFailures);
      if (c.restarts > 0) this.restarts.inc(labels, c.restarts);
      if (c.errorLines > 0) this.errorLines.inc(labels, c.errorLines);
    }
  }

  /** Deletes what is older than the retention. */
  async sweep(): Promise<number> {
    try {
      return await this.samples.deleteBefore(new Date(this.clock.now().getTime() - this.config.signalRetentionHours * 3_600_000));
    } catch (error) {
      this.logger.warn(`deleting old signal samples failed: ${String(error)}`);
      return 0;
    }
  }
}
