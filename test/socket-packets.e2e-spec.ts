// Packets below socket.io's client: what a raw websocket can send that no socket.io
// client would. A packet that does not decode, or a payload nested so deep that decoding
// it would hold the event loop, closes that one connection; the control plane (a real
// process here, so a crash shows as its exit) goes on serving everyone else.
import WebSocket from 'ws';
import { DASHBOARD_NAMESPACE } from '../libs/protocol/src/index.js';
import { killAll } from './support/processes.js';
import { startSpawnedControlPlane, type SpawnedControlPlane } from './support/spawned-control-plane.js';

/** A raw engine.io websocket, joined to /dashboard with the admin token (socket.io protocol 5). */
async function joinDashboard(cp: SpawnedControlPlane): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const ws = new WebSocket(`${cp.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const closed = new Promise<number>((resolve) => ws.once('close', resolve));
  const joined = new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => {
      const text = String(data);
      if (text === '2') ws.send('3'); // engine.io ping -> pong
      else if (text.startsWith('0')) ws.send(`40${DASHBOARD_NAMESPACE},${JSON.stringify({ token: cp.adminToken })}`);
      else if (text.startsWith(`40${DASHBOARD_NAMESPACE},`)) resolve();
      else if (text.startsWith(`44${DASHBOARD_NAMESPACE},`)) reject(new Error(`refused: ${text}`));
    });
    ws.once('error', reject);
  });
  await joined;
  return { ws, closed };
}

describe('raw socket.io packets', () => {
  let cp: SpawnedControlPlane;

  beforeAll(async () => {
    cp = await startSpawnedControlPlane();
  });
  afterAll(async () => {
    await cp?.close();
    await killAll();
  });

  it('closes the connection of a packet that does not decode, and keeps running', async () => {
    const { ws, closed } = await joinDashboard(cp);
    ws.send(`42${DASHBOARD_NAMESPACE},["rollout:watch",{"rolloutId":`);
    expect(await closed).toBeGreaterThan(0);
    await cp.http().get('/healthz').expect(200);
    expect(cp.exit()).toBeUndefined();
  });

  it('closes the connection of a payload nested past the limit before decoding it, and keeps running', async () => {
    const { ws, closed } = await joinDashboard(cp);
    // 40 levels: JSON.parse would take it (and a handler refuse it); the decoder does not parse it at all.
    const answers: string[] = [];
    ws.on('message', (data) => answers.push(String(data)));
    ws.send(`42${DASHBOARD_NAMESPACE},7["rollout:watch",${'['.repeat(40)}${']'.repeat(40)}]`);
    expect(await closed).toBeGreaterThan(0);
    expect(answers.filter((answer) => answer.startsWith('43'))).toEqual([]);
    await cp.http().get('/healthz').expect(200);
    expect(cp.exit()).toBeUndefined();
  });

  it('still answers a well-formed event on a fresh connection', async () => {
    const { ws } = await joinDashboard(cp);
    const answer = new Promise<string>((resolve) => ws.on('message', (data) => String(data).startsWith('43') && resolve(String(data))));
    ws.send(`42${DASHBOARD_NAMESPACE},1["rollout:watch",{"rolloutId":"00000000-0000-4000-8000-000000000000"}]`);
    expect(await answer).toMatch(/^43\/dashboard,1\[\{"ok":false,"code":"(NOT_FOUND|ROLLOUT_NOT_FOUND)"/);
    ws.close();
  });
});
