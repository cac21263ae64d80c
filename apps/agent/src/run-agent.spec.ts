// The agent from flags to exit code, against a real socket.io server and the real engine.
import { HandshakeRefusal } from '../../../libs/protocol/src/index.js';
import { ExitCode, runAgent, type RunAgentOptions } from './run-agent.js';
import { AgentsTestServer } from './testing/agents-server.js';
import { testEngineSocket } from './testing/test-engine.js';
import { removeDir, testStateDir } from './testing/test-runner.js';

const engineSocket = testEngineSocket(process.env);
let server: AgentsTestServer;
let stateDir: string;

beforeEach(async () => {
  server = await new AgentsTestServer().start();
  stateDir = await testStateDir();
});
afterEach(async () => {
  await server.close();
  await removeDir(stateDir);
});

function agent(argv: string[], env: Record<string, string> = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const shutdown = new AbortController();
  const options: RunAgentOptions = {
    argv,
    env: {
      TARMAC_SERVER_URL: server.url,
      TARMAC_AGENT_TOKEN: 'good-token',
      TARMAC_DATACENTER: 'dc-test',
      TARMAC_ENGINE_SOCKET: engineSocket,
      TARMAC_HOSTNAME: `run-agent-${process.pid}`,
      TARMAC_AGENT_STATE_DIR: stateDir,
      TARMAC_LB_HOST: '127.0.0.1',
      TARMAC_LB_PORT: '0',
      ...env,
    },
    defaultHostname: 'unused',
    shutdown: shutdown.signal,
    stdout: { write: (line: string) => stdout.push(line) },
    stderr: { write: (line: string) => stderr.push(line) },
    tuning: { retry: { baseMs: 50, capMs: 200 } },
  };
  return { exit: runAgent(options), stdout, stderr, shutdown };
}

describe('runAgent', () => {
  it('exits 2 naming the setting when the configuration is invalid', async () => {
    const { exit, stderr } = agent(['--datacenter', 'Bad DC'], { TARMAC_AGENT_TOKEN: '' });
    expect(await exit).toBe(ExitCode.ConfigInvalid);
    expect(stderr).toEqual([
      'tarmac-agent: --token / TARMAC_AGENT_TOKEN: is required\n',
      'tarmac-agent: --datacenter: must be lowercase letters, digits and dashes\n',
      'tarmac-agent: run tarmac-agent --help for the options\n',
    ]);
  });

  it('prints the usage for --help and exits 0', async () => {
    const { exit, stdout } = agent(['--help']);
    expect(await exit).toBe(ExitCode.Stopped);
    expect(stdout.join('')).toContain('TARMAC_SERVER_URL');
  });

  it('exits 1 when the container engine does not answer at start', async () => {
    const { exit, stderr } = agent(['--engine-socket', '/nonexistent/tarmac/docker.sock']);
    expect(await exit).toBe(ExitCode.EngineUnreachable);
    expect(stderr).toEqual([
      'tarmac-agent: cannot reach the container engine at /nonexistent/tarmac/docker.sock: connect ENOENT /nonexistent/tarmac/docker.sock\n',
    ]);
  });

  it('exits 3 with the code and message when the control plane refuses it for good', async () => {
    server.refusals.set('stolen', { code: HandshakeRefusal.HostnameMismatch, message: 'token is bound to web-1' });
    const { exit, stderr } = agent([], { TARMAC_AGENT_TOKEN: 'stolen' });
    expect(await exit).toBe(ExitCode.Refused);
    expect(stderr).toContain('tarmac-agent: refused by control plane: HOSTNAME_MISMATCH: token is bound to web-1\n');
  });

  it('registers, then disconnects cleanly and exits 0 when asked to stop', async () => {
    const { exit, stdout, shutdown } = agent(['--label', 'tier=web']);
    await server.waitFor('a heartbeat', (s) => s.of('heartbeat').length >= 1);
    expect(server.of('register')[0].payload).toMatchObject({ labels: { tier: 'web' }, agentVersion: expect.stringMatching(/^\d+\.\d+\.\d+/) });

    shutdown.abort();

    expect(await exit).toBe(ExitCode.Stopped);
    await server.waitFor('the goodbye', (s) => s.of('disconnected').length === 1);
    expect(server.of('disconnected')[0].reason).toBe('client namespace disconnect');
    expect(stdout.map((line) => line.trimEnd().split(' ').slice(1, 3).join(' '))).toEqual(
      expect.arrayContaining(['info starting', 'info connected', 'info registered', 'info stopped']),
    );
  });
});
