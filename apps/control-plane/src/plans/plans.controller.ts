import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { Gate, GateDecisionBody, PlanSpec, PlanStatus, text, type PlanView } from '../../../../libs/protocol/src/index.js';
import { CurrentPrincipal, RequireRoles, type Principal } from '../auth/principal.js';
import { PlanService } from './plan.service.js';

class PlanSpecDto extends createZodDto(PlanSpec) {}
class PlanIdDto extends createZodDto(z.strictObject({ id: z.uuid('must be a plan id (UUID)') })) {}
class GateParamsDto extends createZodDto(z.strictObject({ id: z.uuid('must be a plan id (UUID)'), gate: Gate })) {}
class GateDecisionDto extends createZodDto(GateDecisionBody) {}
class DelayOverrideDto extends createZodDto(z.strictObject({ reason: text().trim().min(1, 'a reason is required') })) {}
class PlanQueryDto extends createZodDto(
  z.strictObject({
    status: PlanStatus.optional(),
    author: text().optional(),
    service: text().optional(),
    datacenter: text().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  }),
) {}

const PLAN_BODY = { type: PlanSpecDto, description: 'The plan as JSON, or as YAML with Content-Type: application/yaml' };

@ApiTags('plans')
@ApiBearerAuth()
@Controller('api/v1/plans')
export class PlansController {
  constructor(private readonly plans: PlanService) {}

  @Post()
  @RequireRoles('engineer', 'operator')
  @ApiOperation({ summary: 'Submit a launch plan (draft); every problem is listed at once' })
  @ApiConsumes('application/json', 'application/yaml')
  @ApiBody(PLAN_BODY)
  create(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<PlanView> {
    return this.plans.create(principal, body);
  }

  @Get()
  @ApiOperation({ summary: 'List plans by status, author, service or target datacenter' })
  list(@Query() query: PlanQueryDto): Promise<PlanView[]> {
    return this.plans.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One plan with its gates and signatures' })
  get(@Param() params: PlanIdDto): Promise<PlanView> {
    return this.plans.get(params.id);
  }

  @Put(':id')
  @ApiOperation({ summary: "Replace a plan's content (author or admin); signatures on the old content stop counting" })
  @ApiConsumes('application/json', 'application/yaml')
  @ApiBody(PLAN_BODY)
  update(@Param() params: PlanIdDto, @CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<PlanView> {
    return this.plans.update(params.id, principal, body);
  }

  @Post(':id/review-request')
  @HttpCode(200)
  @ApiOperation({ summary: 'Ask for code review (author or admin); after the cutoff the plan is delayed' })
  requestReview(@Param() params: PlanIdDto, @CurrentPrincipal() principal: Principal): Promise<PlanView> {
    return this.plans.requestReview(params.id, principal);
  }

  @Post(':id/delay-override')
  @HttpCode(200)
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Let a delayed plan into review anyway, with a reason (admin)' })
  overrideDelay(@Param() params: PlanIdDto, @CurrentPrincipal() principal: Principal, @Body() body: DelayOverrideDto): Promise<PlanView> {
    return this.plans.overrideDelay(params.id, principal, body.reason);
  }

  @Post(':id/gates/:gate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve or reject a gate: code_review (reviewer), qa, supervisor, dispatcher; never the author' })
  sign(@Param() params: GateParamsDto, @CurrentPrincipal() principal: Principal, @Body() body: GateDecisionDto): Promise<PlanView> {
    return this.plans.sign(params.id, params.gate, principal, body);
  }
}
