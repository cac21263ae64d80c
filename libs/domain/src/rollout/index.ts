// The rollout's decisions: what runs where and when, as pure functions.
export * from './decide.js';
export * from './host-steps.js';
export * from './rollout-spec.js';
export * from './rollout-state.js';
export * from './units.js';
export * from './rollback.js';
