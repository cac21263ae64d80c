// Datacenter traffic shifts from a terminal: which datacenters serve a service, drain one
// (its hosts' /lb/<service> report drained, traffic moves to the others), restore it.
import type { DatacenterTrafficView } from '../../../../libs/protocol/src/index.js';
import { ExitCode } from '../cli-errors.js';
import { printJson, printTable, stringOption, type Command } from '../command.js';

/** A GET entry, or a change's answer (which adds `changed`). */
type DatacenterTraffic = DatacenterTrafficView & { changed?: boolean };

const id = (value: string) => encodeURIComponent(value);
const stateOf = (serving: boolean) => (serving ? 'serving' : 'drained');

function shiftCommand(verb: 'drain' | 'restore', summary: string): Command {
  return {
    words: ['traffic', verb],
    args: 'SERVICE DATACENTER',
    positionals: 2,
    options: { reason: { type: 'string', short: 'm', value: 'REASON', description: 'why, kept with the change and in the audit log', required: true } },
    summary,
    async run(context) {
      const [service, datacenter] = context.positionals as [string, string];
      const entry = await (await context.api()).put<DatacenterTraffic>(`/api/v1/services/${id(service)}/traffic/${id(datacenter)}`, {
        json: { serving: verb === 'restore', reason: stringOption(context, 'reason') },
      });
      if (context.json) printJson(context.stdout, entry);
      else if (entry.changed === false) context.stdout.write(`${datacenter} already ${stateOf(entry.serving)} for ${service} (since ${entry.changedAt ?? 'always'}); nothing sent\n`);
      else context.stdout.write(`${datacenter} ${stateOf(entry.serving)} for ${service} on ${entry.hosts.length} host(s)\n`);
      return ExitCode.Ok;
    },
  };
}

export const trafficCommands: Command[] = [
  {
    words: ['traffic', 'show'],
    args: 'SERVICE',
    positionals: 1,
    read: true,
    summary: "whether each datacenter with hosts serves the service's traffic, and why not",
    async run(context) {
      const service = context.positionals[0]!;
      const entries = await (await context.api()).get<DatacenterTraffic[]>(`/api/v1/services/${id(service)}/traffic`);
      if (context.json) printJson(context.stdout, entries);
      else
        printTable(
          context.stdout,
          ['DATACENTER', 'STATE', 'HOSTS', 'CHANGED', 'BY', 'REASON'],
          entries.map((e) => [e.datacenter, stateOf(e.serving), String(e.hosts.length), e.changedAt ?? '-', e.changedBy ?? '-', e.reason ?? '']),
          'no datacenter has hosts',
        );
      return ExitCode.Ok;
    },
  },
  shiftCommand('drain', "move the service's traffic off a datacenter (refused for its last serving one)"),
  shiftCommand('restore', "give a drained datacenter the service's traffic back"),
];
