import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { text } from '../../../../libs/protocol/src/index.js';
import { AuditLogRepository, type AuditRecord } from './audit-log.repository.js';

class AuditQueryDto extends createZodDto(
  z.strictObject({
    plan: z.uuid().optional().describe('Only entries about this launch plan'),
    actor: text().min(1).max(200).optional().describe('Only entries by this user name (or "tarmac" for the control plane)'),
    since: z.iso.datetime({ offset: true }).optional().describe('Only entries at or after this instant (ISO 8601)'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  }),
) {}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditLogRepository) {}

  @Get()
  @ApiOperation({ summary: 'The audit log, oldest first: who changed what, when, before and after, and why' })
  list(@Query() query: AuditQueryDto): Promise<AuditRecord[]> {
    return this.audit.list({
      planId: query.plan,
      actor: query.actor,
      since: query.since === undefined ? undefined : new Date(query.since),
      limit: query.limit,
    });
  }
}
