import { Module } from '@nestjs/common';
import { EventsModule } from '../dashboard/events.module.js';
import { DatacentersModule } from '../datacenters/datacenters.module.js';
import { HeartbeatPacer } from './heartbeat-pacer.js';
import { HostDepartures } from './host-departures.js';
import { HostLivenessSweeper } from './host-liveness.sweeper.js';
import { HostRepository } from './host.repository.js';
import { HostService } from './host.service.js';
import { HostsController } from './hosts.controller.js';

@Module({
  imports: [EventsModule, DatacentersModule],
  controllers: [HostsController],
  providers: [HostRepository, HeartbeatPacer, HostDepartures, HostService, HostLivenessSweeper],
  exports: [HostRepository, HostService, HostDepartures],
})
export class HostsModule {}
