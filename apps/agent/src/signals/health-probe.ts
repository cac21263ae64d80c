// One probe of a container's health check per signals interval, the way health:check
// reaches it: an HTTP check GETs the service's port on this host's loopback, a command
// check execs in the container itself and wants exit code 0.
import type { HealthCheck } from '../../../../libs/protocol/src/index.js';
import { probeHttp } from '../commands/http-probe.js';
import type { ContainerEngine } from '../container-engine.js';

export async function probeOnce(check: HealthCheck, containerId: string, engine: Pick<ContainerEngine, 'exec'>): Promise<boolean> {
  if (check.type === 'http') {
    const outcome = await probeHttp(check.port, check.path, check.timeoutMs);
    return outcome.kind === 'answered' && outcome.status === check.expectStatus;
  }
  // An exec the engine refuses or cannot run is a failed probe, as it would be for health:check.
  const outcome = await engine.exec(containerId, check.command, check.timeoutMs).catch(() => undefined);
  return outcome?.exitCode === 0;
}
