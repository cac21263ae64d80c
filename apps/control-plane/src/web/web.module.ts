// The dashboard page (apps/web), served by the control plane at `/`.
import { Module } from '@nestjs/common';
import { WebAssets } from './web-assets.js';
import { WebController } from './web.controller.js';

@Module({
  controllers: [WebController],
  providers: [{ provide: WebAssets, useFactory: () => WebAssets.load() }],
})
export class WebModule {}
