import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import type { RolloutRecord } from '../../../../libs/protocol/src/index.js';
import { RolloutService } from './rollout.service.js';

class RolloutQueryDto extends createZodDto(z.strictObject({ plan: z.uuid().optional() })) {}

@ApiTags('rollouts')
@ApiBearerAuth()
@Controller('api/v1/rollouts')
export class RolloutsController {
  constructor(private readonly rollouts: RolloutService) {}

  @Get()
  @ApiOperation({ summary: 'List rollout records, optionally of one plan (?plan=<id>)' })
  list(@Query() query: RolloutQueryDto): Promise<RolloutRecord[]> {
    return this.rollouts.list({ planId: query.plan });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One rollout record' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<RolloutRecord> {
    return this.rollouts.get(id);
  }
}
