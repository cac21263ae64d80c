import { Module } from '@nestjs/common';
import { AgentSocketsModule } from '../agents/agent-sockets.module.js';
import { EventsModule } from '../dashboard/events.module.js';
import { HostsModule } from '../hosts/hosts.module.js';
import { RolloutsModule } from '../rollouts/rollouts.module.js';
import { ServicesModule } from '../services/services.module.js';
import { SignalsModule } from '../signals/signals.module.js';
import { DatacenterTrafficRepository } from '../traffic/datacenter-traffic.repository.js';
import { HostReleaseRepository } from './host-release.repository.js';
import { RolloutAnalysisService } from './rollout-analysis.service.js';
import { HostCommandRepository } from './host-command.repository.js';
import { RolloutEnginePoller } from './rollout-engine.poller.js';
import { RolloutEngine } from './rollout-engine.service.js';
import { RolloutMetrics } from './rollout-metrics.js';
import { RolloutPreviewService } from './rollout-preview.service.js';
import { RolloutSpecBuilder } from './rollout-spec.builder.js';
import { RolloutsController } from './rollouts.controller.js';

@Module({
  imports: [AgentSocketsModule, EventsModule, HostsModule, RolloutsModule, ServicesModule, SignalsModule],
  controllers: [RolloutsController],
  providers: [
    DatacenterTrafficRepository,
    HostCommandRepository,
    HostReleaseRepository,
    RolloutAnalysisService,
    RolloutSpecBuilder,
    RolloutEngine,
    RolloutEnginePoller,
    RolloutMetrics,
    RolloutPreviewService,
  ],
  exports: [RolloutEngine, HostCommandRepository],
})
export class RolloutEngineModule {}
