// The service catalog: what can be deployed, and the versioned config files each
// service ships with. Shape is checked at the HTTP boundary; the container policy
// (configuration-dependent) here, before anything is written. Every change is audited.
import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { containerPolicyIssues } from '../../../../libs/domain/src/container-policy.js';
import { Conflict, DomainError, listIssues, NotFound } from '../../../../libs/domain/src/index.js';
import type { ContainerSpec, CreateService, ServiceConfigView, ServiceDefinition, ServiceView } from '../../../../libs/protocol/src/index.js';
import { AuditLogRepository, type Actor } from '../audit/audit-log.repository.js';
import { Clock } from '../common/clock.js';
import { CONFIG } from '../common/core.module.js';
import type { Config } from '../config/config.js';
import { ServiceConfigRepository } from './service-config.repository.js';
import { ServiceRepository } from './service.repository.js';

@Injectable()
export class ServiceCatalogService {
  constructor(
    private readonly db: DataSource,
    private readonly services: ServiceRepository,
    private readonly configs: ServiceConfigRepository,
    private readonly audit: AuditLogRepository,
    private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  list(): Promise<ServiceView[]> {
    return this.services.list();
  }

  async get(name: string): Promise<ServiceView> {
    const service = await this.services.find(name);
    if (!service) throw new NotFound('service', name);
    return service;
  }

  create(actor: Actor, service: CreateService): Promise<ServiceView> {
    this.checkPolicy(service.container);
    const at = this.clock.now();
    return this.db.transaction(async (tx) => {
      const created = await this.services.create(tx, service, at);
      if (!created) throw new Conflict('SERVICE_EXISTS', `service ${JSON.stringify(service.name)} already exists`);
      await this.audit.record(tx, { actor, action: 'service.created', entityType: 'service', entityId: service.name, after: definitionOf(created), at });
      return created;
    });
  }

  replace(actor: Actor, name: string, definition: ServiceDefinition): Promise<ServiceView> {
    this.checkPolicy(definition.container);
    const at = this.clock.now();
    return this.db.transaction(async (tx) => {
      const before = await this.services.find(name, tx, true);
      if (!before) throw new NotFound('service', name);
      const after = await this.services.replace(tx, name, definition, at);
      await this.audit.record(tx, {
        actor,
        action: 'service.updated',
        entityType: 'service',
        entityId: name,
        before: definitionOf(before),
        after: definitionOf(after),
        at,
      });
      return after;
    });
  }

  /** Stores the next version of the files; answers with its number, not the files again. */
  addConfig(actor: Actor, service: string, files: Record<string, string>): Promise<Omit<ServiceConfigView, 'files'>> {
    const at = this.clock.now();
    return this.db.transaction(async (tx) => {
      // The row lock numbers concurrent versions of one service one after another.
      if (!(await this.services.find(service, tx, true))) throw new NotFound('service', service);
      const config = await this.configs.append(tx, service, files, actor, at);
      await this.audit.record(tx, {
        actor,
        action: 'service-config.created',
        entityType: 'service-config',
        entityId: `${service}/${config.version}`,
        // Digests, not contents: the version itself is immutable and holds the files.
        after: { version: config.version, files: digests(files) },
        at,
      });
      const { files: _, ...summary } = config;
      return summary;
    });
  }

  async getConfig(service: string, version: number): Promise<ServiceConfigView> {
    // Out of the column's range there is no such version (and PostgreSQL would refuse the number).
    const config = version >= 1 && version <= 2_147_483_647 ? await this.configs.find(service, version) : undefined;
    if (config) return config;
    if (!(await this.services.find(service))) throw new NotFound('service', service);
    throw new NotFound('service config', `${service}/${version}`);
  }

  private checkPolicy(container: ContainerSpec): void {
    const issues = containerPolicyIssues(container, this.config.mountAllowList);
    if (issues.length) {
      const located = issues.map((issue) => ({ path: `container.${issue.path}`, message: issue.message }));
      throw new DomainError('invalid', 'CONTAINER_SPEC_REFUSED', listIssues(located), located);
    }
  }
}

function definitionOf(service: ServiceView): ServiceDefinition & { revision: number } {
  return { role: service.role, imageRepository: service.imageRepository, container: service.container, revision: service.revision };
}

function digests(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(files)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([path, content]) => [path, `sha256:${createHash('sha256').update(content, 'utf8').digest('hex')}`]),
  );
}
