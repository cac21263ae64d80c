import { Module, type DynamicModule } from '@nestjs/common';
import { AgentsModule } from './agents/agents.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import type { Clock } from './common/clock.js';
import { CoreModule } from './common/core.module.js';
import type { Config } from './config/config.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import type { Database } from './database/database.js';
import { DatacentersModule } from './datacenters/datacenters.module.js';
import { FreezesModule } from './freezes/freezes.module.js';
import { HealthController } from './health/health.controller.js';
import { HostsModule } from './hosts/hosts.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { PlansModule } from './plans/plans.module.js';
import { RolloutEngineModule } from './rollout-engine/rollout-engine.module.js';
import { RolloutsModule } from './rollouts/rollouts.module.js';
import { SchedulerModule } from './scheduler/scheduler.module.js';
import { ServicesModule } from './services/services.module.js';
import { SwitchesModule } from './switches/switches.module.js';
import { SummariesModule } from './summaries/summaries.module.js';
import { TrafficModule } from './traffic/traffic.module.js';
import { UsersModule } from './users/users.module.js';
import { WebModule } from './web/web.module.js';

@Module({})
export class AppModule {
  static forRoot(config: Config, database: Database, clock?: Clock): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, database, clock),
        MetricsModule,
        AuditModule,
        AuthModule,
        HostsModule,
        AgentsModule,
        DashboardModule,
        PlansModule,
        FreezesModule,
        RolloutsModule,
        RolloutEngineModule,
        SummariesModule,
        SchedulerModule,
        UsersModule,
        ServicesModule,
        SwitchesModule,
        TrafficModule,
        DatacentersModule,
        WebModule,
      ],
      controllers: [HealthController],
    };
  }
}
