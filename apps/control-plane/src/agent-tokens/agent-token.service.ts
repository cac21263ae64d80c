// Enrolling agents: issuing, listing and revoking their tokens, and checking a handshake.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { checkProtocolVersion, decideAgentHandshake, NotFound, type HandshakeRefused } from '../../../../libs/domain/src/index.js';
import { AgentHandshake, HandshakeRefusal, describeIssues } from '../../../../libs/protocol/src/index.js';
import { AgentSockets } from '../agents/agent-sockets.js';
import { AuditLogRepository } from '../audit/audit-log.repository.js';
import { Clock } from '../common/clock.js';
import { generateToken, hashToken } from '../common/tokens.js';
import { AgentTokenRepository, type AgentTokenView } from './agent-token.repository.js';

/** Refusals of a real token that say someone tried a host they may not have; see recordRefusal. */
const AUDITED_REFUSALS: readonly string[] = [HandshakeRefusal.HostnameOwned, HandshakeRefusal.HostnameMismatch, HandshakeRefusal.AgentTokenRevoked];

export type AcceptedHandshake = { accept: true; tokenId: string; hostname: string };

@Injectable()
export class AgentTokenService {
  constructor(
    private readonly tokens: AgentTokenRepository,
    private readonly sockets: AgentSockets,
    private readonly audit: AuditLogRepository,
    private readonly db: DataSource,
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
    const tokenHash = hashToken(token);
    const decide = async () => {
      const state = await this.tokens.findStateByHash(tokenHash);
      return { state, decision: decideAgentHandshake(state, hostname, await this.tokens.ownerOf(hostname)) };
    };
    let { state, decision } = await decide();
    // The conditional update settles a race between two first connections, with one token
    // or with two tokens for one hostname: the loser decides again on what the winner wrote.
    if (decision.accept && !(await this.tokens.bindAndTouch(state!.id, hostname, this.clock.now()))) {
      ({ state, decision } = await decide());
      if (decision.accept) {
        decision = { accept: false, code: HandshakeRefusal.Unavailable, message: 'agent token changed during the handshake; retry' };
      }
    }
    if (!decision.accept) {
      if (state && AUDITED_REFUSALS.includes(decision.code)) await this.recordRefusal(state.id, hostname, decision);
      return decision;
    }
    return { accept: true, tokenId: state!.id, hostname };
  }

  /**
   * A real token used against a host it may not have (another host's name, a revoked
   * token coming back) is someone's mistake or someone's attack: either way it is audited.
   * Unknown tokens are only counted on /metrics: they name nobody to audit.
   */
  private async recordRefusal(tokenId: string, hostname: string, refusal: HandshakeRefused): Promise<void> {
    await this.audit.record(this.db.manager, {
      actor: { id: null, name: `agent-token:${tokenId}` },
      action: 'agent.refused',
      entityType: 'host',
      entityId: hostname,
      after: { code: refusal.code },
      reason: refusal.message,
      at: this.clock.now(),
    });
  }
}
