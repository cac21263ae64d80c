import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { Invalid } from '../../../../libs/domain/src/index.js';
import { actorOf } from '../audit/actor.js';
import { CurrentPrincipal, RequireRoles, type Principal } from '../auth/principal.js';
import { DatacenterName, DatacenterTrafficChange, text, type DatacenterTrafficResult, type DatacenterTrafficView } from '../../../../libs/protocol/src/index.js';
import { TrafficService } from './traffic.service.js';

class DatacenterTrafficChangeDto extends createZodDto(DatacenterTrafficChange) {}
class ServiceParamsDto extends createZodDto(z.strictObject({ service: text() })) {}
class TrafficParamsDto extends createZodDto(z.strictObject({ service: text(), datacenter: text() })) {}

@ApiTags('services')
@ApiBearerAuth()
@Controller('api/v1/services/:service/traffic')
export class TrafficController {
  constructor(private readonly traffic: TrafficService) {}

  @Get()
  @ApiOperation({ summary: "Whether each datacenter with hosts serves the service's traffic" })
  list(@Param() params: ServiceParamsDto): Promise<DatacenterTrafficView[]> {
    return this.traffic.list(params.service);
  }

  @Put(':datacenter')
  @RequireRoles('operator')
  @ApiOperation({ summary: "Drain (serving: false) or restore a datacenter's traffic for the service; 409 LAST_SERVING_DATACENTER" })
  set(
    @CurrentPrincipal() principal: Principal,
    @Param() { service, datacenter }: TrafficParamsDto,
    @Body() body: DatacenterTrafficChangeDto,
  ): Promise<DatacenterTrafficResult> {
    const parsed = DatacenterName.safeParse(datacenter);
    if (!parsed.success) throw new Invalid('DATACENTER_NAME_INVALID', `datacenter name ${JSON.stringify(datacenter)} ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
    return this.traffic.set(actorOf(principal), service, parsed.data, body);
  }
}
