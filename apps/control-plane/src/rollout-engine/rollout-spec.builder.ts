// Fixes what a rollout will run when it starts: the plan's releases with each service's
// image and container spec, the preview hosts, one wave of production hosts per target
// datacenter, and the time limits from the configuration.
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Conflict, type RolloutSpec } from '../../../../libs/domain/src/index.js';
import type { PlanSpec } from '../../../../libs/protocol/src/index.js';
import { CONFIG } from '../common/core.module.js';
import type { Config } from '../config/config.js';
import { ServiceRepository } from '../services/service.repository.js';

interface FleetHost {
  hostname: string;
  datacenter: string;
  pool: 'preview' | 'production';
}

@Injectable()
export class RolloutSpecBuilder {
  constructor(
    private readonly db: DataSource,
    private readonly services: ServiceRepository,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  async build(rolloutId: string, planId: string, plan: PlanSpec, tx: EntityManager | DataSource = this.db): Promise<RolloutSpec> {
    const hosts: FleetHost[] = await tx.query('SELECT hostname, datacenter, pool FROM hosts ORDER BY hostname');
    const releases = await Promise.all(
      plan.releases.map(async (release) => {
        const service = await this.services.find(release.service, tx);
        if (!service) throw new Conflict('SERVICE_GONE', `service ${release.service} no longer exists`);
        const separator = release.image.startsWith('sha256:') ? '@' : ':';
        const healthCheck = service.container.healthCheck;
        const checkPort = healthCheck.type === 'http' ? healthCheck.port : (service.container.ports[0]?.container ?? 80);
        return {
          service: release.service,
          image: `${service.imageRepository}${separator}${release.image}`,
          release: releaseName(planId, release.image),
          container: service.container,
          healthCheck,
          checkPort,
        };
      }),
    );
    const previewHosts = choosePreviewHosts(plan, hosts);
    return {
      rolloutId,
      releases,
      previewHosts,
      waves: plan.targetDatacenters.map((datacenter) => ({
        datacenter,
        hosts: hosts
          .filter((h) => h.datacenter === datacenter && h.pool === 'production' && !previewHosts.includes(h.hostname))
          .map((h) => h.hostname),
      })),
      batch: {
        size: plan.batch.size,
        minHealthyPercent: plan.batch.minHealthyPercent,
        pauseMs: plan.batch.pauseSeconds * 1000,
      },
      rampMs: plan.ramp.durationSeconds * 1000,
      checks: plan.preview.checks,
      drainWaitMs: this.config.drainWaitMs,
      stepTimeoutMs: this.config.stepTimeoutMs,
      batchTimeoutMs: this.config.batchTimeoutMs,
      skipUnreachable: plan.skipUnreachable,
    };
  }
}

/** Names, or the first `count` preview-pool hosts of the target datacenters (then any), by name. */
function choosePreviewHosts(plan: PlanSpec, hosts: FleetHost[]): string[] {
  if ('names' in plan.preview.hosts) return [...plan.preview.hosts.names];
  const pool = hosts.filter((h) => h.pool === 'preview');
  const targeted = pool.filter((h) => plan.targetDatacenters.includes(h.datacenter));
  const ordered = [...targeted, ...pool.filter((h) => !targeted.includes(h))];
  return ordered.slice(0, plan.preview.hosts.count).map((h) => h.hostname);
}

/** `p<plan id prefix>-<image tag or digest prefix>`: what container names and labels carry. */
export function releaseName(planId: string, image: string): string {
  const version = image.replace(/^sha256:/, '').toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 40);
  return `p${planId.slice(0, 8)}-${version}`.replace(/-+$/, '');
}
