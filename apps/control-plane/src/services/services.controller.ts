import { Body, Controller, Get, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { CreateService, ServiceConfigFiles, ServiceDefinition, text, type ServiceConfigView, type ServiceView } from '../../../../libs/protocol/src/index.js';
import { actorOf } from '../audit/actor.js';
import { CurrentPrincipal, RequireRoles, type Principal } from '../auth/principal.js';
import { ServiceCatalogService } from './service-catalog.service.js';

class CreateServiceDto extends createZodDto(CreateService) {}
class ServiceDefinitionDto extends createZodDto(ServiceDefinition) {}
class ServiceConfigFilesDto extends createZodDto(ServiceConfigFiles) {}
class ServiceParamsDto extends createZodDto(z.strictObject({ name: text() })) {}
class ConfigParamsDto extends createZodDto(
  // Any integer: one outside the column's range is a version that does not exist (404, in the service).
  z.strictObject({ name: text(), version: z.coerce.number('must be a config version number').int('must be a config version number') }),
) {}

@ApiTags('services')
@ApiBearerAuth()
@Controller('api/v1/services')
export class ServicesController {
  constructor(private readonly catalog: ServiceCatalogService) {}

  @Post()
  @RequireRoles('operator')
  @ApiOperation({ summary: 'Register a service: image repository, role and container spec' })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateServiceDto): Promise<ServiceView> {
    return this.catalog.create(actorOf(principal), body);
  }

  @Get()
  @ApiOperation({ summary: 'List services' })
  list(): Promise<ServiceView[]> {
    return this.catalog.list();
  }

  @Get(':name')
  @ApiOperation({ summary: 'One service' })
  get(@Param() params: ServiceParamsDto): Promise<ServiceView> {
    return this.catalog.get(params.name);
  }

  @Put(':name')
  @RequireRoles('operator')
  @ApiOperation({ summary: "Replace a service's definition (its revision goes up by one)" })
  replace(@CurrentPrincipal() principal: Principal, @Param() params: ServiceParamsDto, @Body() body: ServiceDefinitionDto): Promise<ServiceView> {
    return this.catalog.replace(actorOf(principal), params.name, body);
  }

  @Post(':name/configs')
  @RequireRoles('operator')
  @ApiOperation({ summary: 'Add a version of the service config files (relative path -> content)' })
  addConfig(@CurrentPrincipal() principal: Principal, @Param() params: ServiceParamsDto, @Body() body: ServiceConfigFilesDto): Promise<Omit<ServiceConfigView, 'files'>> {
    return this.catalog.addConfig(actorOf(principal), params.name, body.files);
  }

  @Get(':name/configs/:version')
  @ApiOperation({ summary: 'One version of the service config files' })
  getConfig(@Param() params: ConfigParamsDto): Promise<ServiceConfigView> {
    return this.catalog.getConfig(params.name, params.version);
  }
}
