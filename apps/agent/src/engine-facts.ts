// Turns a Docker-API `GET /version` answer into the engine facts an agent reports.
import { z } from 'zod';
import type { EngineFacts } from '../../../libs/protocol/src/index.js';

/** Engine facts without the live status; read once at start (Podman's /version takes ~1.5 s). */
export type EngineIdentity = Omit<EngineFacts, 'status'>;

const VersionAnswer = z.object({
  Version: z.string().min(1),
  ApiVersion: z.string().min(1),
  Platform: z.object({ Name: z.string() }).optional(),
  Components: z.array(z.object({ Name: z.string(), Version: z.string().optional() })).optional(),
});

export function engineIdentityFromVersion(answer: unknown): EngineIdentity {
  const version = VersionAnswer.parse(answer);
  return { name: engineName(version), version: version.Version, apiVersion: version.ApiVersion };
}

// Docker puts the product in Platform.Name ("Docker Engine - Community"); Podman puts
// the OS platform there ("linux/amd64/debian-12") and the product in a component
// ("Podman Engine").
function engineName(version: z.infer<typeof VersionAnswer>): string {
  const platform = version.Platform?.Name.trim();
  if (platform && !platform.includes('/')) return platform;
  const component = version.Components?.find((c) => /engine/i.test(c.Name))?.Name.trim();
  return component || platform || 'unknown';
}
