import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { CreateSummaryRequest, type SummaryView } from '../../../../libs/protocol/src/index.js';
import { CurrentPrincipal, RequireRoles, type Principal } from '../auth/principal.js';
import { SummaryService } from './summary.service.js';

class CreateSummaryDto extends createZodDto(CreateSummaryRequest) {}
class SummaryParamsDto extends createZodDto(z.strictObject({ id: z.uuid('must be a summary id (UUID)') })) {}

@ApiTags('summaries')
@ApiBearerAuth()
@Controller('api/v1/summaries')
export class SummariesController {
  constructor(private readonly summaries: SummaryService) {}

  @Post()
  @RequireRoles('dispatcher')
  @ApiOperation({ summary: 'Draft a launch summary: approved plans in start order, with merge, package and rollback orders' })
  create(@Body() body: CreateSummaryDto, @CurrentPrincipal() principal: Principal): Promise<SummaryView> {
    return this.summaries.create(body, principal);
  }

  @Get()
  @ApiOperation({ summary: 'List launch summaries' })
  list(): Promise<SummaryView[]> {
    return this.summaries.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One launch summary with its ordered plans' })
  get(@Param() params: SummaryParamsDto): Promise<SummaryView> {
    return this.summaries.get(params.id);
  }

  @Post(':id/publish')
  @HttpCode(200)
  @RequireRoles('dispatcher')
  @ApiOperation({ summary: 'Publish: freezes the summary, schedules its plans for the window start' })
  publish(@Param() params: SummaryParamsDto, @CurrentPrincipal() principal: Principal): Promise<SummaryView> {
    return this.summaries.publish(params.id, principal);
  }
}
