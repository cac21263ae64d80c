// Assembles a running control plane from a configuration: database (embedded or not),
// migrations, the Nest application with its HTTP and socket.io surfaces, and the
// first admin token. Used by main.ts and by the tests.
import 'reflect-metadata';
import { ConsoleLogger, type LogLevel as NestLogLevel, type NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { cleanupOpenApiDoc, ZodValidationPipe } from 'nestjs-zod';
import { AppModule } from './app.module.js';
import { ApiTokenRepository } from './auth/api-token.repository.js';
import { bootstrapAdmin, type AdminBootstrap } from './auth/admin-bootstrap.js';
import type { Clock } from './common/clock.js';
import { DomainErrorFilter } from './common/domain-error.filter.js';
import { HttpErrorFilter } from './common/http-error.filter.js';
import { hardenHttp, jsonBodyParser } from './common/http-hardening.js';
import type { Config, LogLevel } from './config/config.js';
import { openDatabase, type Database } from './database/database.js';

export interface ControlPlane {
  app: NestExpressApplication;
  /** Where it listens, e.g. http://127.0.0.1:8080 (https:// with TLS) */
  url: string;
  database: Database;
  admin: AdminBootstrap;
  close(): Promise<void>;
}

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

const LISTEN_BACKLOG = 8192;

export async function startControlPlane(config: Config, options: { clock?: Clock } = {}): Promise<ControlPlane> {
  const logger = new ConsoleLogger('Tarmac', {
    logLevels: LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1) as NestLogLevel[],
  });
  const database = await openDatabase(config, (line) => logger.log(line), (line) => logger.warn(line));
  if (database.appliedMigrations.length > 0) logger.log(`applied migrations: ${database.appliedMigrations.join(', ')}`);

  let app: NestExpressApplication | undefined;
  try {
    app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, database, options.clock), {
      logger,
      bodyParser: false,
      httpsOptions: httpsOptionsOf(config),
    });
    hardenHttp(app);
    app.use(jsonBodyParser('1mb'));
    // Launch plans may also be sent as YAML; the plans service parses the text.
    app.useBodyParser('text', { type: ['application/yaml', 'application/x-yaml', 'text/yaml'], limit: '1mb' });
    app.useGlobalPipes(new ZodValidationPipe());
    // The catch-all first: Nest tries the filters from the last one registered.
    app.useGlobalFilters(new HttpErrorFilter(), new DomainErrorFilter());
    setUpApiDocs(app);

    const admin = await bootstrapAdmin(app.get(ApiTokenRepository), config.adminToken);
    await listen(app, config.host, config.port);
    const url = urlOf(app, config.host, config.tls !== undefined);
    const running = app;
    return {
      app: running,
      url,
      database,
      admin,
      close: async () => {
        await running.close();
        await database.close();
      },
    };
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.close();
    throw error;
  }
}

function setUpApiDocs(app: NestExpressApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Tarmac control plane')
      .setDescription('Launch plans, gates, rollouts, hosts and agents. Every /api call needs an API token.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, cleanupOpenApiDoc(document), { jsonDocumentUrl: 'docs-json' });
}

/**
 * Listens with a deep accept backlog. A connect storm (thousands of agents reconnecting at
 * once after a network blip or a control-plane restart) overflows Node's default of 511:
 * the kernel then drops SYNs and each agent waits out TCP's 1, 3, 7, 15 s retransmissions
 * (ListenOverflows in nstat). The kernel caps it at net.core.somaxconn. Nest's listen()
 * takes no backlog, so the server listens itself once Nest is initialised.
 */
async function listen(app: NestExpressApplication, host: string, port: number): Promise<void> {
  await app.init();
  const server = app.getHttpServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
}

/**
 * One port for browsers, the CLI and agents, so the TLS layer asks for a client
 * certificate without requiring one (a browser has none): the /agents namespace refuses
 * a connection whose certificate did not verify (agents/agent-client-certificate.ts).
 */
function httpsOptionsOf(config: Config): NestApplicationOptions['httpsOptions'] {
  if (!config.tls) return undefined;
  const { cert, key, clientCa } = config.tls;
  return clientCa === undefined ? { cert, key } : { cert, key, ca: clientCa, requestCert: true, rejectUnauthorized: false };
}

function urlOf(app: NestExpressApplication, host: string, tls: boolean): string {
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `${tls ? 'https' : 'http'}://${shown}:${port}`;
}
