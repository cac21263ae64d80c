import { Module } from '@nestjs/common';
import { EventsModule } from '../dashboard/events.module.js';
import { FreezesModule } from '../freezes/freezes.module.js';
import { JobsModule } from '../scheduler/jobs.module.js';
import { PlanLaunchRepository } from './plan-launch.repository.js';
import { PlanStartController } from './plan-start.controller.js';
import { PlanStartService } from './plan-start.service.js';
import { PlanStarter } from './plan-starter.js';
import { RolloutLifecycle } from './rollout-lifecycle.service.js';
import { RolloutRepository } from './rollout.repository.js';

/** Rollout records and how they begin: by hand, or by the scheduler through PlanStarter. */
@Module({
  imports: [EventsModule, FreezesModule, JobsModule],
  controllers: [PlanStartController],
  providers: [PlanLaunchRepository, RolloutRepository, PlanStarter, PlanStartService, RolloutLifecycle],
  exports: [PlanLaunchRepository, RolloutRepository, PlanStarter, PlanStartService, RolloutLifecycle],
})
export class RolloutsModule {}
