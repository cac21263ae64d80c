// Switches: a flip is stored, audited (and noted on any rollout in progress that
// releases the service), and written as a switch:set into the log of every host with a
// container of the service, all in one transaction; the commands go out after commit.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NotFound } from '../../../../libs/domain/src/index.js';
import type { Command, SwitchChange, SwitchView } from '../../../../libs/protocol/src/index.js';
import { AuditLogRepository, type Actor } from '../audit/audit-log.repository.js';
import { Clock } from '../common/clock.js';
import { HostCommandRepository } from '../rollout-engine/host-command.repository.js';
import { RolloutEngine, type OutgoingCommand } from '../rollout-engine/rollout-engine.service.js';
import { ServiceRepository } from '../services/service.repository.js';
import { SwitchRepository } from './switch.repository.js';

/** A switch:set nobody answers is resent on reconnect; the deadline only bounds how long it counts as open. */
const SWITCH_DEADLINE_MS = 10 * 60_000;

@Injectable()
export class SwitchesService {
  constructor(
    private readonly db: DataSource,
    private readonly switches: SwitchRepository,
    private readonly services: ServiceRepository,
    private readonly commands: HostCommandRepository,
    private readonly engine: RolloutEngine,
    private readonly audit: AuditLogRepository,
    private readonly clock: Clock,
  ) {}

  async list(service: string): Promise<SwitchView[]> {
    if (!(await this.services.find(service))) throw new NotFound('service', service);
    return this.switches.list(service);
  }

  async set(actor: Actor, service: string, name: string, change: SwitchChange): Promise<SwitchView & { hosts: string[] }> {
    const now = this.clock.now();
    const outgoing: OutgoingCommand[] = [];
    const result = await this.db.transaction(async (tx) => {
      if (!(await this.services.find(service, tx))) throw new NotFound('service', service);
      const before = await this.switches.lock(tx, service, name);
      const after = await this.switches.upsert(tx, { service, name, enabled: change.enabled, updatedBy: actor.name }, now);
      const hosts = await this.switches.hostsRunning(tx, service);
      // One id per flip: the key of each host's command, so a repeated flip is a new command.
      const changeId = randomUUID();
      const command: Command = { type: 'switch:set', service, name, enabled: change.enabled };
      const dispatches = await this.commands.appendMany(
        tx,
        hosts.map((hostname) => ({
          hostname,
          key: `${changeId}/switch:set/${hostname}/1`,
          rolloutId: null,
          step: 'switch:set',
          command,
          deadlineAt: new Date(now.getTime() + SWITCH_DEADLINE_MS),
        })),
        now,
      );
      dispatches.forEach((dispatch, i) => outgoing.push({ hostname: hosts[i]!, dispatch }));
      const entity = { entityType: 'switch', entityId: `${service}/${name}`, at: now };
      const beforeValue = before ? { enabled: before.enabled } : null;
      await this.audit.record(tx, { ...entity, actor, action: 'switch.set', before: beforeValue, after: { enabled: after.enabled, hosts } });
      for (const rollout of await this.switches.rolloutsReleasing(tx, service)) {
        await this.audit.record(tx, {
          actor,
          action: 'rollout.switch-set',
          entityType: 'rollout',
          entityId: rollout.rolloutId,
          planId: rollout.planId,
          before: beforeValue,
          after: { service, switch: name, enabled: after.enabled },
          at: now,
        });
      }
      return { ...after, hosts };
    });
    this.engine.dispatchCommitted(outgoing);
    return result;
  }
}
