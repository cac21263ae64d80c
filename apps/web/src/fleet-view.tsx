// The fleet: hosts by datacenter with status, pool and what each runs, live from the feed.
import type { HostView } from '../../../libs/protocol/src/index.js';
import { imageTag, Pill, time } from './format.js';

export function FleetView({ hosts }: { hosts: HostView[] }) {
  const byDatacenter = new Map<string, HostView[]>();
  for (const host of [...hosts].sort((a, b) => a.hostname.localeCompare(b.hostname))) {
    byDatacenter.set(host.datacenter, [...(byDatacenter.get(host.datacenter) ?? []), host]);
  }
  if (hosts.length === 0) return <p class="empty">No hosts yet: enroll an agent (see the README).</p>;
  return (
    <section>
      {[...byDatacenter.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([datacenter, list]) => (
          <div class="card" key={datacenter} data-testid="datacenter" data-datacenter={datacenter}>
            <h2>
              {datacenter} <span class="muted">{list.filter((h) => h.status === 'online').length}/{list.length} online</span>
            </h2>
            <table>
              <thead>
                <tr>
                  <th>host</th>
                  <th>status</th>
                  <th>pool</th>
                  <th>containers (release)</th>
                  <th>agent · engine</th>
                  <th>last heartbeat</th>
                </tr>
              </thead>
              <tbody>
                {list.map((host) => (
                  <tr key={host.hostname} data-testid="host-row" data-host={host.hostname}>
                    <td class="mono">{host.hostname}</td>
                    <td>
                      <Pill kind={host.status}>{host.status}</Pill>
                      {host.engine.status === 'unreachable' ? <Pill kind="failed">engine unreachable</Pill> : null}
                    </td>
                    <td>{host.pool}</td>
                    <td>
                      {host.containers.length === 0 ? <span class="muted">none</span> : null}
                      {host.containers.map((c) => (
                        <div key={c.id} class="container" title={c.image}>
                          <span class="mono">{c.name}</span> <strong>{imageTag(c.image)}</strong> <span class={`state state-${c.state}`}>{c.state}</span>
                        </div>
                      ))}
                    </td>
                    <td class="muted">
                      {host.agentVersion} · {host.engine.name} {host.engine.version}
                    </td>
                    <td class="muted">{time(host.lastHeartbeatAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </section>
  );
}
