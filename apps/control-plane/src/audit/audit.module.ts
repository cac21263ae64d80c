import { Global, Module } from '@nestjs/common';
import { AuditLogRepository } from './audit-log.repository.js';

/** Global: every module that changes state writes to the audit log. */
@Global()
@Module({ providers: [AuditLogRepository], exports: [AuditLogRepository] })
export class AuditModule {}
