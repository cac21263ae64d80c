// Enrolling agents: issuing, listing and revoking their tokens, and checking a handshake.
import { Injectable } from '@nestjs/common';
import { checkProtocolVersion, decideAgentHandshake, NotFound, type HandshakeRefused } from '../../../../libs/domain/src/index.js';
import { AgentHandshake, HandshakeRefusal, describeIssues } from '../../../../libs/protocol/src/index.js';
import { AgentSockets } from '../agents/agent-sockets.js';
import { Clock } from '../common/clock.js';
import { generateToken, hashToken } from '../common/tokens.js';
import { AgentTokenRepository, type AgentTokenView } from './agent-token.repository.js';

export type AcceptedHandshake = { accept: true; tokenId: string; hostname: string };

@Injectable()
export class AgentTokenService {
  constructor(
    private readonly tokens: AgentTokenRepository,
    private readonly sockets: AgentSockets,
    private readonly clock: Clock,
  ) {}

  async issue(name: string): Promise<AgentTokenView & { token: string }> {
    const token = generateToken('agent');
    const view = await this.tokens.create(name, hashToken(token));
    return { ...view, token };
  }

  list(): Promise<AgentTokenView[]> {
    return this.tokens.list();
  }

  async revoke(id: string): Promise<void> {
    if (!(await this.tokens.revoke(id, this.clock.now()))) throw new NotFound('agent token', id);
    this.sockets.disconnectToken(id);
  }

  /** Decides an /agents handshake from its raw `auth` object. */
  async checkHandshake(auth: unknown): Promise<AcceptedHandshake | HandshakeRefused> {
    const versionProblem = checkProtocolVersion((auth as { protocolVersion?: unknown } | null)?.protocolVersion);
    if (versionProblem) return versionProblem;
    const parsed = AgentHandshake.safeParse(auth);
    if (!parsed.success) {
      return { accept: false, code: HandshakeRefusal.HandshakeInvalid, message: `handshake: ${describeIssues(parsed.error)}` };
    }
    const { token, hostname } = parsed.data;
    const state = await this.tokens.findStateByHash(hashToken(token));
    const decision = decideAgentHandshake(state, hostname);
    if (!decision.accept) return decision;
    // The conditional update settles a race between two first connections with one token.
    if (!(await this.tokens.bindAndTouch(state!.id, hostname, this.clock.now()))) {
      const lost = decideAgentHandshake(await this.tokens.findStateByHash(hashToken(token)), hostname);
      return lost.accept ? { accept: false, code: HandshakeRefusal.Unavailable, message: 'agent token changed during the handshake; retry' } : lost;
    }
    return { accept: true, tokenId: state!.id, hostname };
  }
}
