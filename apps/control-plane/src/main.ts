#!/usr/bin/env node
// The control plane's entry point: configuration from the environment, then start.
import { startControlPlane } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/config.js';

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`tarmac: ${error.message}\n`);
  process.exit(2);
}

try {
  const plane = await startControlPlane(config);
  const lines = [
    '',
    `Tarmac control plane listening on ${plane.url}`,
    `  database: ${plane.database.embedded ? `embedded PostgreSQL in ${config.dataDir}/pg` : 'DATABASE_URL'}`,
    `  API docs: ${plane.url}/docs`,
  ];
  if (!config.tls) lines.push('  TLS: off, tokens cross the network in clear text (TARMAC_TLS_CERT, TARMAC_TLS_KEY; docs/tls.md)');
  else if (config.tls.clientCa) lines.push('  TLS: on; agents must present a client certificate signed by TARMAC_TLS_CLIENT_CA');
  // What a new agent needs besides the line below: the CA (unless the system trusts it), its own certificate.
  const agentTls = !config.tls ? '' : ` --ca <CA file>${config.tls.clientCa ? ' --cert <host cert> --key <host key>' : ''}`;
  if (plane.admin.kind === 'generated') {
    lines.push(
      '',
      'Admin API token (shown once; store it now):',
      `  ${plane.admin.token}`,
      '',
      'Enroll an agent: create its token, then start it on the host:',
      `  curl -s${config.tls ? ' --cacert <CA file>' : ''} -X POST ${plane.url}/api/v1/agent-tokens -H "Authorization: Bearer ${plane.admin.token}" \\`,
      `       -H 'Content-Type: application/json' -d '{"name":"my-host"}'`,
      `  npx tarmac-agent --server ${plane.url} --token <token from above> --datacenter dc1${agentTls} \\`,
      '       --engine-socket /var/run/docker.sock',
    );
  } else {
    lines.push('', `Enroll an agent: POST ${plane.url}/api/v1/agent-tokens with an admin token, then`,
      `  npx tarmac-agent --server ${plane.url} --token <agent token> --datacenter dc1${agentTls} --engine-socket /var/run/docker.sock`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
  const stop = (signal: string) => {
    process.stdout.write(`tarmac: ${signal}: shutting down\n`);
    plane.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`tarmac: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (error) {
  process.stderr.write(`tarmac: control plane failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
