import { ConfigError, loadConfig } from './config.js';

describe('control-plane configuration', () => {
  it('has defaults for everything but the optional database URL and admin token', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: undefined,
      databaseOwnerUrl: undefined,
      dataDir: './.tarmac',
      adminToken: undefined,
      heartbeatIntervalMs: 5000,
      agentGraceMs: 15000,
      maxHeartbeatsPerSecond: 500,
      logLevel: 'log',
      stepTimeoutMs: 180_000,
      batchTimeoutMs: 1_800_000,
      drainWaitMs: 2_000,
      judgmentIntervalMs: 10_000,
      signalRetentionHours: 72,
      reviewCutoffHour: 18,
      timeZone: 'UTC',
      mountAllowList: [],
    });
  });

  it('reads the mount allow-list as comma-separated absolute prefixes', () => {
    expect(loadConfig({ TARMAC_MOUNT_ALLOW_LIST: '/srv/tarmac, /var/lib/app/,' }).mountAllowList).toEqual(['/srv/tarmac', '/var/lib/app']);
  });

  it('reads and converts every variable', () => {
    const config = loadConfig({
      TARMAC_PORT: '9000',
      DATABASE_URL: 'postgres://u:p@db:5432/tarmac',
      TARMAC_DATA_DIR: '/var/lib/tarmac',
      TARMAC_ADMIN_TOKEN: 'x'.repeat(32),
      TARMAC_HEARTBEAT_INTERVAL_MS: '1000',
      TARMAC_AGENT_GRACE_MS: '4000',
      TARMAC_MAX_HEARTBEATS_PER_SECOND: '2000',
      TARMAC_LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({ port: 9000, databaseUrl: 'postgres://u:p@db:5432/tarmac', agentGraceMs: 4000, maxHeartbeatsPerSecond: 2000, logLevel: 'debug' });
  });

  it('reads the schema owner\'s URL, which only makes sense beside DATABASE_URL', () => {
    expect(
      loadConfig({ DATABASE_URL: 'postgres://tarmac_app:a@db/tarmac', TARMAC_DATABASE_OWNER_URL: 'postgres://tarmac_owner:o@db/tarmac' }),
    ).toMatchObject({ databaseUrl: 'postgres://tarmac_app:a@db/tarmac', databaseOwnerUrl: 'postgres://tarmac_owner:o@db/tarmac' });
    expect(() => loadConfig({ TARMAC_DATABASE_OWNER_URL: 'postgres://tarmac_owner:o@db/tarmac' })).toThrow(
      /TARMAC_DATABASE_OWNER_URL: needs DATABASE_URL/,
    );
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', TARMAC_PORT: '' })).toMatchObject({ databaseUrl: undefined, port: 8080 });
  });

  it.each([
    ['TARMAC_PORT', 'eighty'],
    ['TARMAC_PORT', '70000'],
    ['DATABASE_URL', 'mysql://db/tarmac'],
    ['TARMAC_DATABASE_OWNER_URL', 'owner@db'],
    ['TARMAC_ADMIN_TOKEN', 'short'],
    ['TARMAC_HEARTBEAT_INTERVAL_MS', '-5'],
    ['TARMAC_MAX_HEARTBEATS_PER_SECOND', '0'],
    ['TARMAC_LOG_LEVEL', 'loud'],
    ['TARMAC_REVIEW_CUTOFF_HOUR', '24'],
    ['TARMAC_TIME_ZONE', 'Mars/Olympus'],
    ['TARMAC_MOUNT_ALLOW_LIST', '/srv,relative/path'],
    ['TARMAC_MOUNT_ALLOW_LIST', '/srv/../etc'],
  ])('refuses a bad %s (%s), naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid configuration:\\n  ${name}: `));
  });

  it('refuses a grace period no longer than the heartbeat interval', () => {
    expect(() => loadConfig({ TARMAC_HEARTBEAT_INTERVAL_MS: '5000', TARMAC_AGENT_GRACE_MS: '5000' })).toThrow(
      /TARMAC_AGENT_GRACE_MS: must be longer than TARMAC_HEARTBEAT_INTERVAL_MS/,
    );
  });
});
