import { Module } from '@nestjs/common';
import { EventsModule } from '../dashboard/events.module.js';
import { RolloutsModule } from '../rollouts/rollouts.module.js';
import { JobsModule } from '../scheduler/jobs.module.js';
import { SummariesController } from './summaries.controller.js';
import { SummaryRepository } from './summary.repository.js';
import { SummaryService } from './summary.service.js';

@Module({
  imports: [EventsModule, JobsModule, RolloutsModule],
  controllers: [SummariesController],
  providers: [SummaryRepository, SummaryService],
  exports: [SummaryRepository],
})
export class SummariesModule {}
