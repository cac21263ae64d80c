import { Module } from '@nestjs/common';
import { DashboardPublisher } from './dashboard-publisher.js';
import { DashboardSockets } from './dashboard-sockets.js';
import { EventOutboxRepository } from './event-outbox.repository.js';

/** The outbox and its publisher, and the open dashboard sockets: what any module that changes watched state needs. */
@Module({
  providers: [EventOutboxRepository, DashboardPublisher, DashboardSockets],
  exports: [EventOutboxRepository, DashboardPublisher, DashboardSockets],
})
export class EventsModule {}
