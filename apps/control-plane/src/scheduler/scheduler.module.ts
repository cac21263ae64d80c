import { Module } from '@nestjs/common';
import { FreezesModule } from '../freezes/freezes.module.js';
import { RolloutsModule } from '../rollouts/rollouts.module.js';
import { SummariesModule } from '../summaries/summaries.module.js';
import { JobsModule } from './jobs.module.js';
import { SummaryAdvanceHandler } from './summary-advance.handler.js';

/** The job handlers that move launch summaries forward. */
@Module({
  imports: [JobsModule, FreezesModule, RolloutsModule, SummariesModule],
  providers: [SummaryAdvanceHandler],
})
export class SchedulerModule {}
