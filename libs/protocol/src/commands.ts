// Commands the control plane sends an agent, and what the agent answers. Every command
// carries an idempotency key; an agent that sees a key again answers with the result it
// recorded and runs nothing twice. Nothing here is ever handed to a shell.
import { z } from 'zod';
import { boundedRecord } from './record.js';
import { text } from './text.js';
import { ackSchema } from './ack.js';
import { PreviewCheck } from './plan.js';
import { ContainerSpec, HealthCheck, isConfigFilePath, ServiceName } from './service.js';
import { SwitchName } from './switch.js';

/**
 * `<rollout>/<step>/<host>/<attempt>`: the same step on the same host retried gets a new attempt.
 * A command outside any rollout (switch:set) uses an id of its own change in the first place.
 */
export const CommandKey = text().regex(/^[0-9a-f-]{36}\/[a-z0-9:._-]{1,120}\/[a-zA-Z0-9.-]{1,253}\/\d{1,4}$/, 'must be rollout/step/host/attempt');
export type CommandKey = z.infer<typeof CommandKey>;

export function commandKey(parts: { rolloutId: string; step: string; hostname: string; attempt: number }): string {
  return `${parts.rolloutId}/${parts.step}/${parts.hostname}/${parts.attempt}`;
}

/** A full image reference: repository plus `:tag` or `@sha256:digest`. */
export const ImageReference = text()
  .max(512)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9._:/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/, 'must be repository:tag or repository@sha256:digest');

export const ImagePull = z.strictObject({ type: z.literal('image:pull'), image: ImageReference });

export const ContainerReplace = z.strictObject({
  type: z.literal('container:replace'),
  service: ServiceName,
  /** Names the release (plan revision); goes into the `tarmac.release` label and the container name. */
  release: text().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/),
  image: ImageReference,
  container: ContainerSpec,
});

export const HealthCheckCommand = z.strictObject({
  type: z.literal('health:check'),
  service: ServiceName,
  check: HealthCheck,
  /** Keep probing until the first success or until this long has passed. */
  withinMs: z.number().int().min(100).max(600_000),
});

/**
 * Whose decision a drain is: `host` (a rollout taking this host out while it updates) or
 * `datacenter` (an operator or a rollback moving the service's traffic off the whole
 * datacenter). The host serves only while neither holds it drained.
 */
export const TrafficScope = z.enum(['host', 'datacenter']);
export type TrafficScope = z.infer<typeof TrafficScope>;

export const TrafficDrain = z.strictObject({
  type: z.literal('traffic:drain'),
  service: ServiceName,
  scope: TrafficScope.default('host'),
  /** How long in-flight requests get after the load balancer sees 503. */
  waitMs: z.number().int().min(0).max(600_000),
});

export const TrafficRestore = z.strictObject({ type: z.literal('traffic:restore'), service: ServiceName, scope: TrafficScope.default('host') });

export const CheckRun = z.strictObject({
  type: z.literal('check:run'),
  service: ServiceName,
  /** The port to probe when the check names none: the service's health-check port. */
  defaultPort: z.number().int().min(1).max(65_535),
  check: PreviewCheck,
});

/**
 * Makes `config/` in the service's config directory hold exactly these files, as one
 * switch (a new directory, then an atomic link swap). `version: null` removes `config/`:
 * the release it goes back to had no config files.
 */
export const ConfigWrite = z.strictObject({
  type: z.literal('config:write'),
  service: ServiceName,
  version: z.number().int().positive().nullable(),
  files: z.record(text().refine(isConfigFilePath, 'must be a relative config file path'), text()),
});

/** Sets `switches/<name>` in the service's config directory to `on` or `off`; outside any rollout. */
export const SwitchSet = z.strictObject({ type: z.literal('switch:set'), service: ServiceName, name: SwitchName, enabled: z.boolean() });

export const Command = z.discriminatedUnion('type', [ImagePull, ContainerReplace, HealthCheckCommand, TrafficDrain, TrafficRestore, CheckRun, SwitchSet, ConfigWrite]);
export type Command = z.infer<typeof Command>;
export type CommandType = Command['type'];

/** Control plane -> agent: one entry of the host's command log. */
export const CommandDispatch = z.strictObject({
  /** Position in this host's command log, from 1. */
  seq: z.number().int().positive(),
  key: CommandKey,
  command: Command,
});
export type CommandDispatch = z.infer<typeof CommandDispatch>;
/** The agent's ack says it has the command, not that it is done. */
export const CommandDispatchAck = ackSchema(z.object({ duplicate: z.boolean() }));

export const CommandFailureReason = {
  ImagePullFailed: 'IMAGE_PULL_FAILED',
  ContainerCreateFailed: 'CONTAINER_CREATE_FAILED',
  ContainerStartFailed: 'CONTAINER_START_FAILED',
  HealthCheckFailed: 'HEALTH_CHECK_FAILED',
  /** The release's container stopped running during its health check: no probe can pass any more. */
  ContainerExited: 'CONTAINER_EXITED',
  CheckFailed: 'CHECK_FAILED',
  EngineUnreachable: 'ENGINE_UNREACHABLE',
  Interrupted: 'INTERRUPTED',
  Internal: 'INTERNAL',
  /** Set by the control plane, not the agent: no answer before the step's deadline. */
  DeadlineExceeded: 'DEADLINE_EXCEEDED',
  /** Set by the control plane: the host's agent was unreachable past `lostAfter`. */
  AgentLost: 'AGENT_LOST',
  /** The host's --traffic-hook program failed; the agent's /lb/<service> status did change. */
  TrafficHookFailed: 'TRAFFIC_HOOK_FAILED',
  ConfigWriteFailed: 'CONFIG_WRITE_FAILED',
} as const;

export const CommandProgress = z.strictObject({ key: CommandKey, message: text().max(2000) });
export type CommandProgress = z.infer<typeof CommandProgress>;

export const CommandResult = boundedRecord(text().max(200), z.union([text(), z.number(), z.boolean(), z.null()]), 100, 'result fields');
export const CommandCompleted = z.strictObject({ key: CommandKey, seq: z.number().int().positive(), result: CommandResult });
export type CommandCompleted = z.infer<typeof CommandCompleted>;

export const CommandFailed = z.strictObject({
  key: CommandKey,
  seq: z.number().int().positive(),
  reason: text().min(1).max(64),
  message: text().max(4000),
});
export type CommandFailed = z.infer<typeof CommandFailed>;

export const CommandReportAck = ackSchema(z.object({}));

export const CommandEvent = {
  Dispatch: 'command:dispatch',
  Progress: 'command:progress',
  Completed: 'command:completed',
  Failed: 'command:failed',
} as const;
