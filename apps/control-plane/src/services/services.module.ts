import { Module } from '@nestjs/common';
import { ServiceCatalogService } from './service-catalog.service.js';
import { ServiceConfigRepository } from './service-config.repository.js';
import { ServiceRepository } from './service.repository.js';
import { ServicesController } from './services.controller.js';

@Module({
  controllers: [ServicesController],
  providers: [ServiceRepository, ServiceConfigRepository, ServiceCatalogService],
  exports: [ServiceRepository, ServiceConfigRepository],
})
export class ServicesModule {}
