import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { DatacenterName, HostStatus, type HostView } from '../../../../libs/protocol/src/index.js';
import { HostService } from './host.service.js';

class HostQueryDto extends createZodDto(
  z.strictObject({ datacenter: DatacenterName.optional(), status: HostStatus.optional() }),
) {}

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
  get(@Param('name') name: string): Promise<HostView> {
    return this.hosts.get(name);
  }
}
