import { Module } from '@nestjs/common';
import { AgentTokenRepository } from '../agent-tokens/agent-token.repository.js';
import { AgentTokenService } from '../agent-tokens/agent-token.service.js';
import { AgentTokensController } from '../agent-tokens/agent-tokens.controller.js';
import { HostsModule } from '../hosts/hosts.module.js';
import { AgentSockets } from './agent-sockets.js';
import { AgentsGateway } from './agents.gateway.js';

@Module({
  imports: [HostsModule],
  controllers: [AgentTokensController],
  providers: [AgentSockets, AgentTokenRepository, AgentTokenService, AgentsGateway],
})
export class AgentsModule {}
