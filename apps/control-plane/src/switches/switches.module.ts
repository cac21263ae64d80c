import { Module } from '@nestjs/common';
import { RolloutEngineModule } from '../rollout-engine/rollout-engine.module.js';
import { ServicesModule } from '../services/services.module.js';
import { SwitchRepository } from './switch.repository.js';
import { SwitchesController } from './switches.controller.js';
import { SwitchesService } from './switches.service.js';

@Module({
  imports: [RolloutEngineModule, ServicesModule],
  controllers: [SwitchesController],
  providers: [SwitchRepository, SwitchesService],
})
export class SwitchesModule {}
