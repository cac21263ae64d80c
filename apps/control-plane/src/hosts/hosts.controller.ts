import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { DatacenterName, HostAssignment, HostPool, HostStatus, text, type HostView } from '../../../../libs/protocol/src/index.js';
import { actorOf } from '../audit/actor.js';
import { CurrentPrincipal, RequireRoles, type Principal } from '../auth/principal.js';
import { HostService } from './host.service.js';

class HostQueryDto extends createZodDto(
  z.strictObject({ datacenter: DatacenterName.optional(), status: HostStatus.optional(), pool: HostPool.optional() }),
) {}

class HostAssignmentDto extends createZodDto(HostAssignment) {}
class HostParamsDto extends createZodDto(z.strictObject({ name: text() })) {}

@ApiTags('hosts')
@ApiBearerAuth()
@Controller('api/v1/hosts')
export class HostsController {
  constructor(private readonly hosts: HostService) {}

  @Get()
  @ApiOperation({ summary: 'List hosts, optionally by datacenter and status' })
  list(@Query() query: HostQueryDto): Promise<HostView[]> {
    return this.hosts.list(query);
  }

  @Get(':name')
  @ApiOperation({ summary: 'One host, with its last heartbeat and reported containers' })
  get(@Param() params: HostParamsDto): Promise<HostView> {
    return this.hosts.get(params.name);
  }

  @Put(':name')
  @RequireRoles('operator')
  @ApiOperation({ summary: "Place a host: its datacenter (which then wins over the agent's) and/or its pool" })
  assign(@CurrentPrincipal() principal: Principal, @Param() params: HostParamsDto, @Body() body: HostAssignmentDto): Promise<HostView> {
    return this.hosts.assign(actorOf(principal), params.name, body);
  }
}
