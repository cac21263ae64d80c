// Secrets handed to people and agents. Only their SHA-256 is stored: the tokens are
// 32 random bytes, so a slow password hash would add cost and no safety.
import { createHash, randomBytes } from 'node:crypto';

export type TokenKind = 'api' | 'agent';

export function generateToken(kind: TokenKind): string {
  return `tmc_${kind}_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
