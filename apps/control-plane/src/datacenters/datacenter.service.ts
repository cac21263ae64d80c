// Creating and listing datacenters; each creation is audited in its own transaction.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Conflict } from '../../../../libs/domain/src/index.js';
import type { CreateDatacenter, DatacenterView } from '../../../../libs/protocol/src/index.js';
import { AuditLogRepository, type Actor } from '../audit/audit-log.repository.js';
import { Clock } from '../common/clock.js';
import { DatacenterRepository } from './datacenter.repository.js';

@Injectable()
export class DatacenterService {
  constructor(
    private readonly db: DataSource,
    private readonly datacenters: DatacenterRepository,
    private readonly audit: AuditLogRepository,
    private readonly clock: Clock,
  ) {}

  list(): Promise<DatacenterView[]> {
    return this.datacenters.list();
  }

  create(actor: Actor, datacenter: CreateDatacenter): Promise<DatacenterView> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const created = await this.datacenters.create(tx, datacenter, now);
      if (created === 'name') throw new Conflict('DATACENTER_EXISTS', `datacenter ${JSON.stringify(datacenter.name)} already exists`);
      if (created === 'rollout-order') {
        throw new Conflict('ROLLOUT_ORDER_TAKEN', `rolloutOrder ${datacenter.rolloutOrder} belongs to another datacenter`);
      }
      const { hosts: _, ...after } = created;
      await this.audit.record(tx, { actor, action: 'datacenter.created', entityType: 'datacenter', entityId: created.name, after, at: now });
      return created;
    });
  }
}
