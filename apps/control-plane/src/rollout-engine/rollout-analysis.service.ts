// The figures behind a rollout's judgments: every evaluation as stored, and the signals
// of its services since it started, per release and datacenter.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NotFound } from '../../../../libs/domain/src/index.js';
import type { RolloutAnalysis } from '../../../../libs/protocol/src/index.js';
import { SignalRepository } from '../signals/signal.repository.js';
import { RolloutRepository } from '../rollouts/rollout.repository.js';

interface JudgmentRow {
  scope: string;
  at: Date;
  verdict: RolloutAnalysis['judgments'][number]['verdict'];
  conclusion: RolloutAnalysis['judgments'][number]['conclusion'];
  reasons: string[];
  figures: RolloutAnalysis['judgments'][number]['figures'];
}

@Injectable()
export class RolloutAnalysisService {
  constructor(
    private readonly db: DataSource,
    private readonly rollouts: RolloutRepository,
    private readonly signals: SignalRepository,
  ) {}

  async analysis(rolloutId: string): Promise<RolloutAnalysis> {
    const rollout = await this.rollouts.find(rolloutId);
    if (!rollout) throw new NotFound('rollout', rolloutId);
    const judgments: JudgmentRow[] = await this.db.query(
      'SELECT scope, at, verdict, conclusion, reasons, figures FROM rollout_judgments WHERE rollout_id = $1 ORDER BY at, id',
      [rolloutId],
    );
    const releases = (rollout.spec?.releases ?? []).map((r) => ({ service: r.service, release: r.release }));
    const signals =
      releases.length > 0
        ? await this.signals.totals(
            releases.map((r) => r.service),
            releases.map((r) => r.release),
            rollout.createdAt,
            rollout.finishedAt,
          )
        : [];
    return {
      rolloutId,
      thresholds: rollout.spec?.judgment ? { ...rollout.spec.judgment.thresholds } : null,
      releases,
      judgments: judgments.map((j) => ({ ...j, at: j.at.toISOString() })),
      signals,
    };
  }
}
