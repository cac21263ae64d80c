// Reading rollout records.
import { Injectable } from '@nestjs/common';
import { NotFound } from '../../../../libs/domain/src/index.js';
import type { RolloutRecord } from '../../../../libs/protocol/src/index.js';
import { RolloutRepository } from './rollout.repository.js';

@Injectable()
export class RolloutService {
  constructor(private readonly rollouts: RolloutRepository) {}

  async get(id: string): Promise<RolloutRecord> {
    const rollout = await this.rollouts.find(id);
    if (!rollout) throw new NotFound('rollout', id);
    return rollout;
  }

  list(filter: { planId?: string }): Promise<RolloutRecord[]> {
    return this.rollouts.list(filter);
  }
}
