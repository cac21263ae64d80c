// `POST /api/v1/plans/:id/start`: beside the plans API, owned here because starting is
// the scheduler's business.
import { Body, Controller, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { StartPlanRequest, type RolloutRecord } from '../../../../libs/protocol/src/index.js';
import { CurrentPrincipal, RequireRoles, type Principal } from '../auth/principal.js';
import { PlanStartService } from './plan-start.service.js';

/** No body at all is a plain start. */
class StartPlanDto extends createZodDto(z.preprocess((body) => body ?? {}, StartPlanRequest)) {}
class PlanIdDto extends createZodDto(z.strictObject({ id: z.uuid('must be a plan id (UUID)') })) {}

@ApiTags('plans')
@ApiBearerAuth()
@Controller('api/v1/plans')
export class PlanStartController {
  constructor(private readonly starts: PlanStartService) {}

  @Post(':id/start')
  @RequireRoles('dispatcher', 'operator')
  @ApiOperation({ summary: 'Start an approved or scheduled plan now; inside a freeze only as an admin emergency' })
  start(
    @Param() { id }: PlanIdDto,
    @Body() body: StartPlanDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RolloutRecord> {
    return this.starts.start(id, body, principal);
  }
}
