import { Module } from '@nestjs/common';
import { AgentSockets } from './agent-sockets.js';

/** The live agent connections, shared by the /agents gateway and the rollout engine. */
@Module({ providers: [AgentSockets], exports: [AgentSockets] })
export class AgentSocketsModule {}
