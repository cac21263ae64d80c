import { Module } from '@nestjs/common';
import { DashboardPublisher } from './dashboard-publisher.js';
import { EventOutboxRepository } from './event-outbox.repository.js';

/** The outbox and its publisher: what any module that changes watched state needs. */
@Module({ providers: [EventOutboxRepository, DashboardPublisher], exports: [EventOutboxRepository, DashboardPublisher] })
export class EventsModule {}
