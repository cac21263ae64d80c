import { Module } from '@nestjs/common';
import { AgentTokenRepository } from '../agent-tokens/agent-token.repository.js';
import { AgentTokenService } from '../agent-tokens/agent-token.service.js';
import { AgentTokensController } from '../agent-tokens/agent-tokens.controller.js';
import { HostsModule } from '../hosts/hosts.module.js';
import { RolloutEngineModule } from '../rollout-engine/rollout-engine.module.js';
import { SignalsModule } from '../signals/signals.module.js';
import { TrafficModule } from '../traffic/traffic.module.js';
import { AgentSocketsModule } from './agent-sockets.module.js';
import { AgentsGateway } from './agents.gateway.js';

@Module({
  imports: [HostsModule, AgentSocketsModule, RolloutEngineModule, SignalsModule, TrafficModule],
  controllers: [AgentTokensController],
  providers: [AgentTokenRepository, AgentTokenService, AgentsGateway],
})
export class AgentsModule {}
