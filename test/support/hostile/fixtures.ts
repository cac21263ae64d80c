// The rows the REST fuzz and the role matrix start from, made through the real API: two
// datacenters, two services, three hosts (one preview), a draft plan by an engineer, and
// an agent token, so path parameters can name things that exist.
import { readFile } from 'node:fs/promises';
import { createFleet, type Fleet } from '../fleet-fixtures.js';
import type { SpawnedControlPlane } from '../spawned-control-plane.js';

export interface HostileRows {
  fleet: Fleet;
  planId: string;
  /** The plan as the API returned it, valid content to send back. */
  planSpec: unknown;
  agentTokenId: string;
}

/** `authorToken`: an engineer's API token; the plan is theirs. */
export async function seedRows(cp: SpawnedControlPlane, authorToken: string): Promise<HostileRows> {
  const fleet = await createFleet(cp, {
    datacenters: ['tc', 'yf'],
    services: [
      { name: 'web', role: 'frontend', configs: 1 },
      { name: 'worker', role: 'processor' },
    ],
    hosts: [
      { hostname: 'tc-1', datacenter: 'tc' },
      { hostname: 'yf-1', datacenter: 'yf' },
      { hostname: 'tc-preview', datacenter: 'tc', pool: 'preview' },
    ],
  });
  const yaml = await readFile(new URL('../../../examples/plan.yaml', import.meta.url), 'utf8');
  const plan = await cp.http().post('/api/v1/plans').set('Authorization', `Bearer ${authorToken}`).set('Content-Type', 'application/yaml').send(yaml).expect(201);
  const agentToken = await cp.issueAgentToken('hostile-target');
  return { fleet, planId: plan.body.id as string, planSpec: plan.body.spec, agentTokenId: agentToken.id };
}
