// Serves the dashboard page at `/` and its bundle under `/assets/`, without a token:
// the page signs in with an API token of its own and calls /api like any client.
import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/principal.js';
import { WebAssets, type WebAsset } from './web-assets.js';

@Public()
@ApiExcludeController()
@Controller()
export class WebController {
  constructor(private readonly web: WebAssets) {}

  @Get()
  index(@Res() response: Response): void {
    if (!this.web.index) throw new NotFoundException('the dashboard is not built: run `npm run build`');
    send(response, this.web.index);
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() response: Response): void {
    const asset = this.web.asset(name);
    if (!asset) throw new NotFoundException(`no dashboard asset ${name}`);
    send(response, asset);
  }
}

function send(response: Response, asset: WebAsset): void {
  response
    .status(200)
    .set({
      'Content-Type': asset.contentType,
      'Cache-Control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      // Everything the page needs comes from here: its bundle, /api and /dashboard.
      'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    })
    .send(asset.body);
}
