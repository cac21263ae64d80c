import { Module } from '@nestjs/common';
import { EventsModule } from '../dashboard/events.module.js';
import { DatacentersModule } from '../datacenters/datacenters.module.js';
import { HeartbeatPacer } from './heartbeat-pacer.js';
import { HostChanges } from './host-changes.js';
import { HostLivenessSweeper } from './host-liveness.sweeper.js';
import { HostRepository } from './host.repository.js';
import { HostService } from './host.service.js';
import { HostsController } from './hosts.controller.js';

@Module({
  imports: [EventsModule, DatacentersModule],
  controllers: [HostsController],
  providers: [HostRepository, HeartbeatPacer, HostChanges, HostService, HostLivenessSweeper],
  exports: [HostRepository, HostService, HostChanges],
})
export class HostsModule {}
