// Fixes what a rollout will run when it starts: the plan's releases with each service's
// image, container spec and config version, the preview hosts, one wave of production
// hosts per target datacenter, the time limits from the configuration, the judgment
// thresholds, the rollback steps, and what each host would go back to.
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Conflict, type RolloutRelease, type RolloutSpec } from '../../../../libs/domain/src/index.js';
import type { PlanSpec } from '../../../../libs/protocol/src/index.js';
import { CONFIG } from '../common/core.module.js';
import type { Config } from '../config/config.js';
import { ServiceConfigRepository } from '../services/service-config.repository.js';
import { ServiceRepository } from '../services/service.repository.js';
import { HostReleaseRepository } from './host-release.repository.js';

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
    private readonly configs: ServiceConfigRepository,
    private readonly hostReleases: HostReleaseRepository,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  async build(rolloutId: string, planId: string, plan: PlanSpec, tx: EntityManager | DataSource = this.db): Promise<RolloutSpec> {
    const hosts: FleetHost[] = await tx.query('SELECT hostname, datacenter, pool FROM hosts ORDER BY hostname');
    const releases: RolloutRelease[] = await Promise.all(
      plan.releases.map(async (release) => {
        const service = await this.services.find(release.service, tx);
        if (!service) throw new Conflict('SERVICE_GONE', `service ${release.service} no longer exists`);
        const separator = release.image.startsWith('sha256:') ? '@' : ':';
        const healthCheck = service.container.healthCheck;
        const checkPort = healthCheck.type === 'http' ? healthCheck.port : (service.container.ports[0]?.container ?? 80);
        const config = release.configVersion === undefined ? undefined : await this.configs.find(release.service, release.configVersion, tx);
        if (release.configVersion !== undefined && !config) throw new Conflict('SERVICE_CONFIG_GONE', `config version ${release.configVersion} of ${release.service} does not exist`);
        return {
          service: release.service,
          role: service.role,
          ...(config ? { config: { version: config.version, files: config.files } } : {}),
          image: `${service.imageRepository}${separator}${release.image}`,
          release: releaseName(planId, release.image),
          container: service.container,
          healthCheck,
          checkPort,
        };
      }),
    );
    const previewHosts = choosePreviewHosts(plan, hosts);
    const waves = plan.targetDatacenters.map((datacenter) => ({
      datacenter,
      hosts: hosts.filter((h) => h.datacenter === datacenter && h.pool === 'production' && !previewHosts.includes(h.hostname)).map((h) => h.hostname),
    }));
    const targets = [...previewHosts, ...waves.flatMap((wave) => wave.hosts)];
    const previous = await this.hostReleases.previous(
      tx,
      targets,
      releases.map((r) => ({ name: r.service, container: r.container })),
    );
    return {
      rolloutId,
      releases,
      previewHosts,
      waves,
      datacenterHosts: Object.fromEntries(plan.targetDatacenters.map((dc) => [dc, hosts.filter((h) => h.datacenter === dc).map((h) => h.hostname)])),
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
      judgment: { thresholds: plan.ramp.thresholds, intervalMs: this.config.judgmentIntervalMs },
      autoRollback: plan.autoRollback,
      rollback: {
        // Each step's services, in the plan's release order: named ones and those of the named roles.
        steps: plan.rollback.steps.map((step) => ({
          services: releases.filter((r) => step.services?.includes(r.service) || step.roles?.includes(r.role)).map((r) => r.service),
          what: step.what,
          shiftTraffic: step.shiftTraffic,
        })),
        forwardCompatible: plan.rollback.dataCompatibility.forwardCompatible,
        note: plan.rollback.dataCompatibility.note,
      },
      previous,
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
