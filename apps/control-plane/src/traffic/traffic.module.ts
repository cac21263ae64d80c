import { Module } from '@nestjs/common';
import { HostsModule } from '../hosts/hosts.module.js';
import { RolloutEngineModule } from '../rollout-engine/rollout-engine.module.js';
import { DatacenterTrafficRepository } from './datacenter-traffic.repository.js';
import { TrafficController } from './traffic.controller.js';
import { TrafficService } from './traffic.service.js';

/** Datacenter traffic shifts (docs/traffic-shift.md). */
@Module({
  imports: [HostsModule, RolloutEngineModule],
  controllers: [TrafficController],
  providers: [DatacenterTrafficRepository, TrafficService],
  exports: [TrafficService],
})
export class TrafficModule {}
