// Services as the API accepts and shows them: an image repository, a role and a
// container spec, plus versioned config files. Shared by the control plane and a CLI.
// Shape only: policy that depends on the control plane's configuration (privileged
// containers, host PID namespace, bind-mount allow-list) is libs/domain's container-policy.
import { z } from 'zod';
import { text } from './text.js';
import { SignalSources } from './signals.js';

/** A lowercase DNS label: the name also ends up in container names and hostnames. */
export const ServiceName = text()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a lowercase DNS label (a-z, 0-9, dashes; at most 63)');
export type ServiceName = z.infer<typeof ServiceName>;

/** The roles a rollback plan orders by name; any other lowercase word is accepted too. */
export const KNOWN_SERVICE_ROLES = ['frontend', 'processor'] as const;
export const ServiceRole = text()
  .regex(/^[a-z]+(-[a-z]+)*$/, 'must be lowercase words joined by dashes, e.g. frontend or processor')
  .max(32);

// Docker's reference grammar (distribution/reference) without the tag or digest.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_REPOSITORY_PATTERN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`,
);
export const ImageRepository = text()
  .max(255)
  .regex(IMAGE_REPOSITORY_PATTERN, 'must be an image repository without tag or digest, e.g. 127.0.0.1:5000/team/web');

const port = z.number().int().min(1).max(65_535);
const timeoutMs = z.number().int().min(100).max(300_000);
const intervalMs = z.number().int().min(500).max(3_600_000);
/** One argv entry. Commands are arrays and are never handed to a shell. */
const argument = text().max(4096);
const argv = z.array(argument).min(1, 'must name at least the program').max(256);

export const PortMapping = z.strictObject({
  container: port,
  host: port.optional(),
  protocol: z.enum(['tcp', 'udp']).default('tcp'),
});

export const HttpHealthCheck = z.strictObject({
  type: z.literal('http'),
  path: text().regex(/^\/[\x21-\x7e]*$/, 'must be an absolute URL path such as /healthz').max(1024),
  port,
  expectStatus: z.number().int().min(100).max(599).default(200),
  timeoutMs,
  intervalMs,
});
export const CommandHealthCheck = z.strictObject({
  type: z.literal('command'),
  command: argv,
  timeoutMs,
  intervalMs,
});
export const HealthCheck = z.discriminatedUnion('type', [HttpHealthCheck, CommandHealthCheck]);
export type HealthCheck = z.infer<typeof HealthCheck>;

// One unambiguous repetition (each segment starts with its slash), so no backtracking blow-up.
const ABSOLUTE_PATH = /^(\/[^/\0]+)+$/;
const absolutePath = text()
  .max(1024)
  .regex(ABSOLUTE_PATH, 'must be an absolute path without a trailing /')
  .refine((path) => !path.split('/').some((segment) => segment === '.' || segment === '..'), 'must not contain . or .. segments');

/** A bind mount from the host; read-only unless it says otherwise. */
export const Mount = z.strictObject({
  source: absolutePath,
  target: absolutePath,
  readOnly: z.boolean().default(true),
});
export type Mount = z.infer<typeof Mount>;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const ContainerSpec = z
  .strictObject({
    ports: z.array(PortMapping).max(64).default([]),
    env: z.record(text(), text().max(32_768)).default({}),
    command: argv.optional(),
    resources: z
      .strictObject({
        memoryMb: z.number().int().min(4).max(1_048_576).optional(),
        cpus: z.number().positive().max(1024).optional(),
      })
      .default({}),
    healthCheck: HealthCheck,
    /** How the agent reads requests and errors from the container's logs. */
    signals: SignalSources.default(SignalSources.parse({})),
    privileged: z.boolean().optional(),
    pidMode: text().max(200).optional(),
    mounts: z.array(Mount).max(64).default([]),
  })
  .superRefine((spec, ctx) => {
    for (const name of Object.keys(spec.env)) {
      if (!ENV_NAME.test(name) || name.length > 255) {
        ctx.addIssue({ code: 'custom', path: ['env', name], message: 'must be an environment variable name (letters, digits, _; not starting with a digit)' });
      }
    }
    duplicates(spec.ports.map((p) => `${p.container}/${p.protocol}`)).forEach((i) =>
      ctx.addIssue({ code: 'custom', path: ['ports', i, 'container'], message: 'is already mapped with this protocol' }),
    );
    duplicates(spec.ports.map((p) => (p.host === undefined ? undefined : `${p.host}/${p.protocol}`))).forEach((i) =>
      ctx.addIssue({ code: 'custom', path: ['ports', i, 'host'], message: 'is already used by another mapping' }),
    );
    duplicates(spec.mounts.map((m) => m.target)).forEach((i) =>
      ctx.addIssue({ code: 'custom', path: ['mounts', i, 'target'], message: 'is already a mount target' }),
    );
    const check = spec.healthCheck;
    if (check.type === 'http' && !spec.ports.some((p) => p.container === check.port && p.protocol === 'tcp')) {
      ctx.addIssue({ code: 'custom', path: ['healthCheck', 'port'], message: 'must be one of the container tcp ports in ports' });
    }
    if (check.timeoutMs > check.intervalMs) {
      ctx.addIssue({ code: 'custom', path: ['healthCheck', 'timeoutMs'], message: 'must not exceed intervalMs' });
    }
  });
export type ContainerSpec = z.infer<typeof ContainerSpec>;
export type ContainerSpecInput = z.input<typeof ContainerSpec>;

/** What a service is, without its name: the body of `PUT /api/v1/services/:name`. */
export const ServiceDefinition = z.strictObject({
  role: ServiceRole,
  imageRepository: ImageRepository,
  container: ContainerSpec,
});
export type ServiceDefinition = z.infer<typeof ServiceDefinition>;

/** The body of `POST /api/v1/services`. */
export const CreateService = ServiceDefinition.extend({ name: ServiceName });
export type CreateService = z.infer<typeof CreateService>;

export const ServiceView = z.object({
  name: ServiceName,
  role: ServiceRole,
  imageRepository: text(),
  container: ContainerSpec,
  revision: z.number().int().positive(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type ServiceView = z.infer<typeof ServiceView>;

export const CONFIG_FILE_LIMITS = { files: 100, pathLength: 255, fileBytes: 256 * 1024, totalBytes: 768 * 1024 } as const;
const utf8 = new TextEncoder();
const CONFIG_PATH_SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Whether a config file path is relative, plain and free of `.`/`..` (it is joined under a config root on hosts). */
export function isConfigFilePath(path: string): boolean {
  return (
    path.length > 0 &&
    path.length <= CONFIG_FILE_LIMITS.pathLength &&
    path.split('/').every((segment) => CONFIG_PATH_SEGMENT.test(segment) && segment !== '.' && segment !== '..')
  );
}

/** The body of `POST /api/v1/services/:name/configs`: relative path -> UTF-8 content. */
export const ServiceConfigFiles = z
  .strictObject({ files: z.record(text(), text()) })
  .superRefine(({ files }, ctx) => {
    const entries = Object.entries(files);
    if (entries.length === 0) ctx.addIssue({ code: 'custom', path: ['files'], message: 'must hold at least one file' });
    if (entries.length > CONFIG_FILE_LIMITS.files) {
      ctx.addIssue({ code: 'custom', path: ['files'], message: `must hold at most ${CONFIG_FILE_LIMITS.files} files` });
    }
    let total = 0;
    for (const [path, content] of entries) {
      if (!isConfigFilePath(path)) {
        ctx.addIssue({ code: 'custom', path: ['files', path], message: 'must be a relative path of plain segments (letters, digits, . _ -), without .. or a leading /' });
      }
      const bytes = utf8.encode(content).length;
      total += bytes;
      if (bytes > CONFIG_FILE_LIMITS.fileBytes) {
        ctx.addIssue({ code: 'custom', path: ['files', path], message: `must be at most ${CONFIG_FILE_LIMITS.fileBytes} bytes` });
      }
    }
    if (total > CONFIG_FILE_LIMITS.totalBytes) {
      ctx.addIssue({ code: 'custom', path: ['files'], message: `must total at most ${CONFIG_FILE_LIMITS.totalBytes} bytes` });
    }
  });
export type ServiceConfigFiles = z.infer<typeof ServiceConfigFiles>;

export const ServiceConfigView = z.object({
  service: ServiceName,
  version: z.number().int().positive(),
  files: z.record(text(), text()),
  createdBy: text().nullable(),
  createdAt: z.iso.datetime(),
});
export type ServiceConfigView = z.infer<typeof ServiceConfigView>;

/** Indexes of the entries that repeat an earlier one (undefined never repeats). */
function duplicates(values: (string | undefined)[]): number[] {
  const seen = new Set<string>();
  const repeated: number[] = [];
  values.forEach((value, index) => {
    if (value === undefined) return;
    if (seen.has(value)) repeated.push(index);
    seen.add(value);
  });
  return repeated;
}
