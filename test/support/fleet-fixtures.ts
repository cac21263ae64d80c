// A fleet for release-process tests: services, datacenters and hosts made through the
// real API and the real agent protocol (hosts register over /agents like an agent
// would, without a container engine behind them).
import { io, type Socket } from 'socket.io-client';
import { AGENTS_NAMESPACE, AgentEvent, HostRegisterAck, PROTOCOL_VERSION } from '../../libs/protocol/src/index.js';
import type { TestControlPlane } from './control-plane.js';

export interface FleetHost {
  hostname: string;
  datacenter: string;
  pool?: 'preview' | 'production';
}

export interface Fleet {
  close(): void;
}

export async function createFleet(
  // Only what it uses, so a control plane run as a child process (spawned-control-plane.ts) fits too.
  cp: Pick<TestControlPlane, 'http' | 'adminToken' | 'issueAgentToken' | 'url'>,
  options: { datacenters: string[]; services: { name: string; role: string; configs?: number }[]; hosts: FleetHost[] },
): Promise<Fleet> {
  const admin = `Bearer ${cp.adminToken}`;
  for (const [order, name] of options.datacenters.entries()) {
    await cp.http().post('/api/v1/datacenters').set('Authorization', admin).send({ name, rolloutOrder: order + 1 }).expect(201);
  }
  for (const service of options.services) {
    await cp
      .http()
      .post('/api/v1/services')
      .set('Authorization', admin)
      .send({
        name: service.name,
        role: service.role,
        imageRepository: `127.0.0.1:5000/tarmac-test/${service.name}`,
        container: { ports: [{ container: 18080 }], healthCheck: { type: 'http', path: '/', port: 18080, timeoutMs: 1000, intervalMs: 2000 } },
      })
      .expect(201);
    for (let i = 0; i < (service.configs ?? 0); i++) {
      await cp.http().post(`/api/v1/services/${service.name}/configs`).set('Authorization', admin).send({ files: { 'app.conf': `v${i + 1}\n` } }).expect(201);
    }
  }
  const sockets: Socket[] = [];
  for (const host of options.hosts) {
    const { token } = await cp.issueAgentToken(host.hostname);
    const socket = io(`${cp.url}${AGENTS_NAMESPACE}`, {
      transports: ['websocket'],
      auth: { token, protocolVersion: PROTOCOL_VERSION, hostname: host.hostname },
      reconnection: false,
    });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    const ack = HostRegisterAck.parse(
      await socket.emitWithAck(AgentEvent.Register, {
        hostname: host.hostname,
        datacenter: host.datacenter,
        labels: {},
        agentVersion: 'fixture',
        engine: { name: 'none', version: '0', apiVersion: '1.41', status: 'reachable' },
        containers: [],
      }),
    );
    if (!ack.ok) throw new Error(`registering ${host.hostname}: ${ack.code}: ${ack.message}`);
    if (host.pool === 'preview') {
      await cp.http().put(`/api/v1/hosts/${host.hostname}`).set('Authorization', admin).send({ pool: 'preview' }).expect(200);
    }
  }
  return { close: () => sockets.forEach((socket) => socket.disconnect()) };
}
