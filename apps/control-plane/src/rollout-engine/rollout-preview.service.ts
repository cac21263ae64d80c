// The dry run of a plan's rollout against today's fleet: nothing is written or sent.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { batchesOf, NotFound } from '../../../../libs/domain/src/index.js';
import type { PlanSpec, RolloutPreview } from '../../../../libs/protocol/src/index.js';
import { RolloutSpecBuilder } from './rollout-spec.builder.js';

@Injectable()
export class RolloutPreviewService {
  constructor(
    private readonly db: DataSource,
    private readonly specs: RolloutSpecBuilder,
  ) {}

  async preview(planId: string): Promise<RolloutPreview> {
    const [plan]: { spec: PlanSpec }[] = await this.db.query('SELECT spec FROM plans WHERE id = $1', [planId]);
    if (!plan) throw new NotFound('plan', planId);
    const spec = await this.specs.build('00000000-0000-0000-0000-000000000000', planId, plan.spec);
    return {
      previewHosts: spec.previewHosts,
      rampSeconds: spec.rampMs / 1000,
      waves: spec.waves.map((wave, i) => ({ datacenter: wave.datacenter, batches: batchesOf(spec, i) })),
      checksBetweenDatacenters: spec.checks.length,
    };
  }
}
