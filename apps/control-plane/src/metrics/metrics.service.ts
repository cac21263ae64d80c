// The control plane's Prometheus metrics, in a registry of its own (not the global
// one), so several control planes in one test process do not collide.
import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly agentsConnected = new Gauge({
    name: 'tarmac_agents_connected',
    help: 'Agents connected to this control-plane process',
    registers: [this.registry],
  });

  readonly agentMessages = new Counter({
    name: 'tarmac_agent_messages_total',
    help: 'Messages received from agents, by event type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  readonly agentMessagesRefused = new Counter({
    name: 'tarmac_agent_messages_refused_total',
    help: 'Messages from agents refused (or for no ack: answered by a disconnect), by event type and refusal code',
    labelNames: ['type', 'code'] as const,
    registers: [this.registry],
  });

  readonly agentHandshakesRefused = new Counter({
    name: 'tarmac_agent_handshakes_refused_total',
    help: 'Agent handshakes refused, by refusal code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly dashboardSubscribers = new Gauge({
    name: 'tarmac_dashboard_subscribers',
    help: 'Dashboard clients connected to this control-plane process',
    registers: [this.registry],
  });

  readonly httpRequestDuration = new Histogram({
    name: 'tarmac_http_request_duration_seconds',
    help: 'HTTP request durations, by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly rolloutsFinished = new Counter({
    name: 'tarmac_rollouts_finished_total',
    help: 'Rollouts that ended, by final status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly hostStepDuration = new Histogram({
    name: 'tarmac_host_step_duration_seconds',
    help: 'Time from a command reaching its agent to its report, by step (drain, pull, replace, health, restore, check)',
    labelNames: ['step'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });

  readonly commandsSent = new Counter({ name: 'tarmac_commands_sent_total', help: 'Commands sent to agents (including resends)', registers: [this.registry] });
  readonly commandsAcknowledged = new Counter({ name: 'tarmac_commands_acknowledged_total', help: 'Commands an agent acknowledged', registers: [this.registry] });
  readonly commandsCompleted = new Counter({ name: 'tarmac_commands_completed_total', help: 'Commands agents reported completed', registers: [this.registry] });
  readonly commandsFailed = new Counter({
    name: 'tarmac_commands_failed_total',
    help: 'Commands agents reported failed, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tarmac_' });
  }
}
