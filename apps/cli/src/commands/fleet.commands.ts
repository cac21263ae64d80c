// Who am I, and what is there: login, hosts, services, the audit log.
import type { HostView, ServiceView } from '../../../../libs/protocol/src/index.js';
import { ApiClient } from '../api-client.js';
import { normalizeServer, writeConfigFile } from '../cli-config.js';
import { ExitCode, UsageError } from '../cli-errors.js';
import { printJson, printTable, stringOption, type Command } from '../command.js';

interface Me {
  name: string;
  roles: string[];
}

interface AuditRecord {
  id: number;
  at: string;
  actor: string;
  action: string;
  entityType: string;
  entityId: string;
  planId: string | null;
  reason: string | null;
}

export const fleetCommands: Command[] = [
  {
    words: ['login'],
    args: '--server URL --token TOKEN',
    positionals: 0,
    summary: 'check --server and --token against the API and save them in the config file (mode 0600)',
    async run(context) {
      // Only what was given now: login is how the config file is (re)written.
      const server = context.flags.server ?? context.env.server;
      const token = context.flags.token ?? context.env.token;
      if (!server || !token) throw new UsageError('login needs --server URL and --token TOKEN (or TARMAC_SERVER and TARMAC_TOKEN)');
      const connection = { server: normalizeServer(server, '--server', context.flags.insecure === true || context.env.insecure), token };
      const me = await new ApiClient(connection).get<Me>('/api/v1/me');
      await writeConfigFile(context.env.configPath, connection);
      if (context.json) printJson(context.stdout, me);
      else context.stdout.write(`logged in to ${connection.server} as ${me.name} (${me.roles.join(', ') || 'no roles'}); saved in ${context.env.configPath}\n`);
      return ExitCode.Ok;
    },
  },
  {
    words: ['hosts'],
    positionals: 0,
    read: true,
    options: {
      datacenter: { type: 'string', value: 'DC', description: 'only this datacenter' },
      status: { type: 'string', value: 'STATUS', description: 'online, unreachable or offline' },
      pool: { type: 'string', value: 'POOL', description: 'preview or production' },
    },
    summary: 'the fleet: each host, its datacenter, pool, status and containers',
    async run(context) {
      const api = await context.api();
      const hosts = await api.get<HostView[]>('/api/v1/hosts', {
        datacenter: stringOption(context, 'datacenter'),
        status: stringOption(context, 'status'),
        pool: stringOption(context, 'pool'),
      });
      if (context.json) printJson(context.stdout, hosts);
      else
        printTable(
          context.stdout,
          ['HOST', 'DC', 'POOL', 'STATUS', 'ENGINE', 'CONTAINERS'],
          hosts.map((h) => [h.hostname, h.datacenter, h.pool, h.status, h.engine.status, h.containers.map((c) => `${c.name}(${c.state})`).join(' ')]),
          'no hosts',
        );
      return ExitCode.Ok;
    },
  },
  {
    words: ['services'],
    positionals: 0,
    read: true,
    summary: 'the service catalogue',
    async run(context) {
      const services = await (await context.api()).get<ServiceView[]>('/api/v1/services');
      if (context.json) printJson(context.stdout, services);
      else
        printTable(
          context.stdout,
          ['SERVICE', 'ROLE', 'REVISION', 'IMAGE REPOSITORY'],
          services.map((s) => [s.name, s.role, String(s.revision), s.imageRepository]),
          'no services',
        );
      return ExitCode.Ok;
    },
  },
  {
    words: ['audit'],
    positionals: 0,
    read: true,
    options: {
      plan: { type: 'string', value: 'ID', description: 'only entries about this plan' },
      actor: { type: 'string', value: 'NAME', description: 'only entries by this user ("tarmac" for the control plane)' },
      since: { type: 'string', value: 'ISO', description: 'only entries at or after this instant' },
      limit: { type: 'string', value: 'N', description: 'at most N entries (default 100, at most 1000)' },
    },
    summary: 'the audit log, oldest first: who did what, when, and why',
    async run(context) {
      const entries = await (await context.api()).get<AuditRecord[]>('/api/v1/audit', {
        plan: stringOption(context, 'plan'),
        actor: stringOption(context, 'actor'),
        since: stringOption(context, 'since'),
        limit: stringOption(context, 'limit'),
      });
      if (context.json) printJson(context.stdout, entries);
      else
        printTable(
          context.stdout,
          ['AT', 'ACTOR', 'ACTION', 'ENTITY', 'REASON'],
          entries.map((e) => [e.at, e.actor, e.action, `${e.entityType} ${e.entityId}`, e.reason ?? '']),
          'no entries',
        );
      return ExitCode.Ok;
    },
  },
];
