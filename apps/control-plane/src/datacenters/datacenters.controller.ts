import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { CreateDatacenter, type DatacenterView } from '../../../../libs/protocol/src/index.js';
import { actorOf } from '../audit/actor.js';
import { CurrentPrincipal, RequireRoles, type Principal } from '../auth/principal.js';
import { DatacenterService } from './datacenter.service.js';

class CreateDatacenterDto extends createZodDto(CreateDatacenter) {}

@ApiTags('datacenters')
@ApiBearerAuth()
@Controller('api/v1/datacenters')
export class DatacentersController {
  constructor(private readonly datacenters: DatacenterService) {}

  @Post()
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Create a datacenter: one wave of a rollout, at its rollout order' })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateDatacenterDto): Promise<DatacenterView> {
    return this.datacenters.create(actorOf(principal), body);
  }

  @Get()
  @ApiOperation({ summary: 'Datacenters in rollout order, with their host counts per pool' })
  list(): Promise<DatacenterView[]> {
    return this.datacenters.list();
  }
}
