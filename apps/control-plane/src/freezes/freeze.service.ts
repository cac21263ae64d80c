// Declaring freeze windows: audited in the transaction that stores them.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Invalid } from '../../../../libs/domain/src/index.js';
import type { CreateFreezeRequest, FreezeView } from '../../../../libs/protocol/src/index.js';
import { actorOf } from '../audit/actor.js';
import { AuditLogRepository } from '../audit/audit-log.repository.js';
import type { Principal } from '../auth/principal.js';
import { Clock } from '../common/clock.js';
import { FreezeRepository } from './freeze.repository.js';

@Injectable()
export class FreezeService {
  constructor(
    private readonly db: DataSource,
    private readonly freezes: FreezeRepository,
    private readonly audit: AuditLogRepository,
    private readonly clock: Clock,
  ) {}

  list(): Promise<FreezeView[]> {
    return this.freezes.list();
  }

  async create(request: CreateFreezeRequest, principal: Principal): Promise<FreezeView> {
    const startsAt = new Date(request.startsAt);
    const endsAt = new Date(request.endsAt);
    if (endsAt.getTime() <= startsAt.getTime()) throw new Invalid('FREEZE_INVALID', 'endsAt: a freeze must end after it starts');
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const freeze = await this.freezes.insert(tx, { startsAt, endsAt, reason: request.reason, createdBy: principal.userId, now });
      await this.audit.record(tx, {
        actor: actorOf(principal),
        action: 'freeze.created',
        entityType: 'freeze',
        entityId: freeze.id,
        after: freeze,
        reason: request.reason,
        at: now,
      });
      return freeze;
    });
  }
}
