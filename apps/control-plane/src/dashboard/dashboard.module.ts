import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { HostsModule } from '../hosts/hosts.module.js';
import { RolloutEngineModule } from '../rollout-engine/rollout-engine.module.js';
import { DashboardFeedService } from './dashboard-feed.service.js';
import { DashboardGateway } from './dashboard.gateway.js';
import { EventsModule } from './events.module.js';

@Module({ imports: [EventsModule, HostsModule, AuthModule, RolloutEngineModule], providers: [DashboardFeedService, DashboardGateway] })
export class DashboardModule {}
