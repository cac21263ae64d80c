import { Module } from '@nestjs/common';
import { EventsModule } from '../dashboard/events.module.js';
import { JobHandlerRegistry } from './job-handlers.js';
import { JobRunner } from './job-runner.js';
import { JobRepository } from './job.repository.js';
import { SchedulerPoller } from './scheduler.poller.js';

/** The job queue, its runner and its poller; other modules enqueue jobs and register handlers. */
@Module({
  imports: [EventsModule],
  providers: [JobRepository, JobHandlerRegistry, JobRunner, SchedulerPoller],
  exports: [JobRepository, JobHandlerRegistry, JobRunner],
})
export class JobsModule {}
