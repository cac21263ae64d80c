import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { RollbackRequest, RolloutStatus, StartPlanRequest, text, type RolloutAnalysis, type RolloutPreview, type RolloutView } from '../../../../libs/protocol/src/index.js';
import { actorOf } from '../audit/actor.js';
import { CurrentPrincipal, RequireRoles, type Principal } from '../auth/principal.js';
import { PlanStartService } from '../rollouts/plan-start.service.js';
import { RolloutAnalysisService } from './rollout-analysis.service.js';
import { RolloutEnginePoller } from './rollout-engine.poller.js';
import { RolloutEngine } from './rollout-engine.service.js';
import { RolloutPreviewService } from './rollout-preview.service.js';

class RolloutIdDto extends createZodDto(z.strictObject({ id: z.uuid('must be a rollout id (UUID)') })) {}
class PlanIdDto extends createZodDto(z.strictObject({ id: z.uuid('must be a plan id (UUID)') })) {}
class StartRolloutDto extends createZodDto(StartPlanRequest.extend({ planId: z.uuid('must be a plan id (UUID)') })) {}
class IntentDto extends createZodDto(z.strictObject({ reason: text().trim().max(2000).optional() })) {}
class RollbackDto extends createZodDto(RollbackRequest) {}
class RolloutQueryDto extends createZodDto(z.strictObject({ plan: z.uuid().optional(), status: RolloutStatus.optional() })) {}

@ApiTags('rollouts')
@ApiBearerAuth()
@Controller('api/v1')
export class RolloutsController {
  constructor(
    private readonly engine: RolloutEngine,
    private readonly starts: PlanStartService,
    private readonly previews: RolloutPreviewService,
    private readonly analyses: RolloutAnalysisService,
    private readonly poller: RolloutEnginePoller,
  ) {}

  @Post('rollouts/:id/rollback')
  @HttpCode(200)
  @RequireRoles('operator', 'dispatcher')
  @ApiOperation({
    summary: "Roll back: the plan's rollback steps in order, datacenters in reverse, each host back to its last stable release",
    description: 'Refused (409) for a rollout a later one has superseded, one already rolled back, or a plan whose data is not forward-compatible without confirmDataLoss.',
  })
  async rollback(@Param() params: RolloutIdDto, @CurrentPrincipal() principal: Principal, @Body() body: RollbackDto): Promise<RolloutView> {
    const event = { type: 'rollback' as const, by: principal.userName, reason: body.reason, confirmDataLoss: body.confirmDataLoss };
    return (await this.engine.apply(params.id, event, actorOf(principal)))!;
  }

  @Get('rollouts/:id/analysis')
  @ApiOperation({ summary: "The rollout's judgments with their figures, and its services' signals per release and datacenter" })
  analysis(@Param() params: RolloutIdDto): Promise<RolloutAnalysis> {
    return this.analyses.analysis(params.id);
  }

  @Post('rollouts')
  @RequireRoles('operator', 'dispatcher')
  @ApiOperation({ summary: 'Start the rollout of an approved or scheduled plan (inside a freeze: admin emergency only)' })
  async start(@CurrentPrincipal() principal: Principal, @Body() body: StartRolloutDto): Promise<RolloutView> {
    const { planId, ...request } = body;
    const record = await this.starts.start(planId, request, principal);
    this.poller.poke();
    return this.engine.get(record.id);
  }

  @Get('rollouts')
  @ApiOperation({ summary: 'List rollouts, optionally of one plan or in one status' })
  list(@Query() query: RolloutQueryDto): Promise<RolloutView[]> {
    return this.engine.list({ planId: query.plan, status: query.status });
  }

  @Get('rollouts/:id')
  @ApiOperation({ summary: "One rollout: stage, datacenter, batch, each host's step, status and reason" })
  get(@Param() params: RolloutIdDto): Promise<RolloutView> {
    return this.engine.get(params.id);
  }

  @Post('rollouts/:id/pause')
  @HttpCode(200)
  @RequireRoles('operator', 'dispatcher')
  @ApiOperation({ summary: 'Pause: steps in flight finish, nothing new starts' })
  async pause(@Param() params: RolloutIdDto, @CurrentPrincipal() principal: Principal, @Body() body: IntentDto): Promise<RolloutView> {
    return (await this.engine.apply(params.id, { type: 'pause', by: principal.userName, reason: body.reason }, actorOf(principal)))!;
  }

  @Post('rollouts/:id/resume')
  @HttpCode(200)
  @RequireRoles('operator', 'dispatcher')
  @ApiOperation({ summary: 'Resume a paused rollout; failed host steps are retried' })
  async resume(@Param() params: RolloutIdDto, @CurrentPrincipal() principal: Principal): Promise<RolloutView> {
    return (await this.engine.apply(params.id, { type: 'resume', by: principal.userName }, actorOf(principal)))!;
  }

  @Post('rollouts/:id/abort')
  @HttpCode(200)
  @RequireRoles('operator', 'dispatcher')
  @ApiOperation({ summary: 'Abort: no further host is touched' })
  async abort(@Param() params: RolloutIdDto, @CurrentPrincipal() principal: Principal, @Body() body: IntentDto): Promise<RolloutView> {
    return (await this.engine.apply(params.id, { type: 'abort', by: principal.userName, reason: body.reason }, actorOf(principal)))!;
  }

  @Post('plans/:id/rollout-preview')
  @HttpCode(200)
  // Those who write plans and those who start them; a POST that reads the whole fleet is not for every token.
  @RequireRoles('engineer', 'operator', 'dispatcher')
  @ApiOperation({ summary: 'Dry run: the preview hosts, ramp and batches per datacenter this plan would run now' })
  preview(@Param() params: PlanIdDto): Promise<RolloutPreview> {
    return this.previews.preview(params.id);
  }
}
