// Tarmac's decisions, free of frameworks and I/O.
export * from './errors.js';
export * from './host-liveness.js';
export * from './agent-handshake.js';
export * from './plan-approval.js';
export * from './review-cutoff.js';
export * from './plan-validation.js';
export * from './plan-document.js';
export * from './json-shape.js';
export * from './content-hash.js';
export * from './container-policy.js';
export * from './summary-rules.js';
export * from './traffic-shift.js';
export * from './schedule.js';
export * from './freeze.js';
export * from './job-retry.js';
export * from './rollout/index.js';
export * from './judgment.js';
