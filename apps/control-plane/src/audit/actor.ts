import type { Principal } from '../auth/principal.js';
import type { Actor } from './audit-log.repository.js';

export const actorOf = (principal: Principal): Actor => ({ id: principal.userId, name: principal.userName });
