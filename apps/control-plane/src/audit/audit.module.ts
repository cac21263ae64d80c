import { Global, Module } from '@nestjs/common';
import { AuditLogRepository } from './audit-log.repository.js';
import { AuditController } from './audit.controller.js';

/** Global: every module that changes state writes to the audit log. */
@Global()
@Module({ controllers: [AuditController], providers: [AuditLogRepository], exports: [AuditLogRepository] })
export class AuditModule {}
