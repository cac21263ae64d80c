import { Module } from '@nestjs/common';
import { EventsModule } from '../dashboard/events.module.js';
import { PlanRepository } from './plan.repository.js';
import { PlanService } from './plan.service.js';
import { PlansController } from './plans.controller.js';
import { YamlPlanParser } from './yaml-plan-parser.js';

@Module({ imports: [EventsModule], controllers: [PlansController], providers: [PlanRepository, PlanService, { provide: YamlPlanParser, useFactory: () => new YamlPlanParser() }], exports: [PlanService] })
export class PlansModule {}
