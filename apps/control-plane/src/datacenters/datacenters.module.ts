import { Module } from '@nestjs/common';
import { DatacenterRepository } from './datacenter.repository.js';
import { DatacenterService } from './datacenter.service.js';
import { DatacentersController } from './datacenters.controller.js';

@Module({
  controllers: [DatacentersController],
  providers: [DatacenterRepository, DatacenterService],
  exports: [DatacenterRepository],
})
export class DatacentersModule {}
