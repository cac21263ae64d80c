// Tarmac's wire protocol: declared once, parsed by both ends.
export * from './text.js';
export * from './record.js';
export * from './version.js';
export * from './ack.js';
export * from './host.js';
export * from './agent-events.js';
export * from './dashboard-events.js';
export * from './plan.js';
export * from './service.js';
export * from './datacenter.js';
export * from './summary.js';
export * from './switch.js';
export * from './commands.js';
export * from './rollout.js';
export * from './signals.js';
export * from './traffic.js';

