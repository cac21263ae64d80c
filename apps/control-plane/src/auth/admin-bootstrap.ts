// The first admin token: generated on first start with an empty database and shown
// once, or taken from TARMAC_ADMIN_TOKEN.
import { generateToken, hashToken } from '../common/tokens.js';
import type { ApiTokenRepository } from './api-token.repository.js';

export type AdminBootstrap =
  | { kind: 'generated'; token: string }
  | { kind: 'from-environment'; created: boolean }
  | { kind: 'existing' };

export async function bootstrapAdmin(tokens: ApiTokenRepository, configuredToken?: string): Promise<AdminBootstrap> {
  if (configuredToken) {
    const created = await tokens.ensureAdminToken(hashToken(configuredToken), { onlyIfNoTokens: false });
    return { kind: 'from-environment', created };
  }
  const token = generateToken('api');
  const created = await tokens.ensureAdminToken(hashToken(token), { onlyIfNoTokens: true });
  return created ? { kind: 'generated', token } : { kind: 'existing' };
}
