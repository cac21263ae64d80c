// Rollouts from a terminal: start one, steer it (pause, resume, abort), look at it,
// watch it live; and the service switches a plan declares.
import type { RolloutAnalysis, RolloutView } from '../../../../libs/protocol/src/index.js';
import { ExitCode, UsageError } from '../cli-errors.js';
import { printJson, printTable, stringOption, type Command, type Output } from '../command.js';
import { watchRollout } from '../watch/rollout-watcher.js';
import { describeReason, headline } from '../watch/watch-state.js';

const id = (value: string) => encodeURIComponent(value);

function printRollout(output: Output, rollout: RolloutView): void {
  const reason = describeReason(rollout);
  output.write(
    [
      headline(rollout),
      `  plan ${rollout.planId}${rollout.summaryId ? `, summary ${rollout.summaryId}` : ''}, started by ${rollout.startedBy ?? 'the scheduler'} at ${rollout.createdAt}`,
      ...(rollout.emergency ? [`  emergency start by ${rollout.emergency.by.name}: ${rollout.emergency.reason}`] : []),
      ...(reason ? [`  reason: ${reason}`] : []),
      ...(rollout.finishedAt ? [`  finished at ${rollout.finishedAt}`] : []),
    ].join('\n') + '\n',
  );
  if (rollout.hosts.length > 0) {
    printTable(
      output,
      ['HOST', 'TASK', 'PHASE', 'STEP', 'ATTEMPT', 'UPDATED', 'REASON'],
      rollout.hosts.map((h) => [h.hostname, h.task, h.phase, h.step ?? '-', String(h.attempt), h.updated ? 'yes' : 'no', h.reason ? `${h.reason.code}: ${h.reason.message}` : '']),
    );
  }
}

function intentCommand(intent: 'pause' | 'resume' | 'abort', summary: string): Command {
  return {
    words: ['rollout', intent],
    args: 'ID',
    positionals: 1,
    // Resume takes no reason: the API's resume body is empty.
    options: intent === 'resume' ? {} : { message: { type: 'string', short: 'm', value: 'REASON', description: 'why, recorded with the intent' } },
    summary,
    async run(context) {
      const reason = stringOption(context, 'message');
      const rollout = await (await context.api()).post<RolloutView>(
        `/api/v1/rollouts/${id(context.positionals[0]!)}/${intent}`,
        intent === 'resume' ? undefined : { json: reason === undefined ? {} : { reason } },
      );
      if (context.json) printJson(context.stdout, rollout);
      else context.stdout.write(`${headline(rollout)}\n`);
      return ExitCode.Ok;
    },
  };
}

const SWITCH_STATES = { on: true, off: false } as const;

export const rolloutCommands: Command[] = [
  {
    words: ['rollout', 'start'],
    args: 'PLAN',
    positionals: 1,
    summary: 'start the rollout of an approved or scheduled plan',
    async run(context) {
      const rollout = await (await context.api()).post<RolloutView>('/api/v1/rollouts', { json: { planId: context.positionals[0] } });
      if (context.json) printJson(context.stdout, rollout);
      else context.stdout.write(`${headline(rollout)}\n`);
      return ExitCode.Ok;
    },
  },
  intentCommand('pause', 'pause: steps in flight finish, nothing new starts'),
  intentCommand('resume', 'resume a paused rollout; failed host steps are retried'),
  intentCommand('abort', 'abort: no further host is touched'),
  {
    words: ['rollout', 'rollback'],
    args: 'ID',
    positionals: 1,
    options: {
      message: { type: 'string', short: 'm', value: 'REASON', description: 'why, recorded with the rollback', required: true },
      'confirm-data-loss': { type: 'boolean', description: "needed when the plan declares its data not forward-compatible" },
    },
    summary: "roll back: the plan's rollback steps in order, datacenters in reverse, each host to its last stable release",
    async run(context) {
      const body = { reason: stringOption(context, 'message')!, confirmDataLoss: context.values['confirm-data-loss'] === true };
      const rollout = await (await context.api()).post<RolloutView>(`/api/v1/rollouts/${id(context.positionals[0]!)}/rollback`, { json: body });
      if (context.json) printJson(context.stdout, rollout);
      else context.stdout.write(`${headline(rollout)}\n`);
      return ExitCode.Ok;
    },
  },
  {
    words: ['rollout', 'analysis'],
    args: 'ID',
    positionals: 1,
    read: true,
    summary: 'the judgments of a rollout with their figures, and the signals of its services per release and datacenter',
    async run(context) {
      const analysis = await (await context.api()).get<RolloutAnalysis>(`/api/v1/rollouts/${id(context.positionals[0]!)}/analysis`);
      if (context.json) {
        printJson(context.stdout, analysis);
        return ExitCode.Ok;
      }
      const pct = (value: number) => `${(value * 100).toFixed(2)}%`;
      printTable(
        context.stdout,
        ['AT', 'SCOPE', 'VERDICT', 'CONCLUSION', 'NEW REQ', 'NEW 5XX', 'OLD 5XX', 'NEW ERR', 'REASONS'],
        analysis.judgments.map((j) => [j.at, j.scope, j.verdict, j.conclusion ?? '-', String(j.figures.newRequests), pct(j.figures.new5xxRatio), pct(j.figures.old5xxRatio), pct(j.figures.newErrorRatio), j.reasons.join('; ')]),
      );
      context.stdout.write('\n');
      printTable(
        context.stdout,
        ['SERVICE', 'RELEASE', 'DATACENTER', 'NEW', 'HOSTS', 'REQUESTS', '5XX', 'ERRORS', 'HEALTH FAIL', 'RESTARTS', 'LATENCY MS'],
        analysis.signals.map((s) => [s.service, s.release, s.datacenter, s.new ? 'yes' : 'no', String(s.hosts), String(s.requests), String(s.status5xx), String(s.errorLines), String(s.healthFailures), String(s.restarts), s.meanLatencyMs === null ? '-' : s.meanLatencyMs.toFixed(1)]),
      );
      return ExitCode.Ok;
    },
  },
  {
    words: ['rollout', 'show'],
    args: 'ID',
    positionals: 1,
    read: true,
    summary: "one rollout: stage, datacenter, batch, each host's step and reason",
    async run(context) {
      const rollout = await (await context.api()).get<RolloutView>(`/api/v1/rollouts/${id(context.positionals[0]!)}`);
      if (context.json) printJson(context.stdout, rollout);
      else printRollout(context.stdout, rollout);
      return ExitCode.Ok;
    },
  },
  {
    words: ['rollout', 'list'],
    positionals: 0,
    read: true,
    options: {
      plan: { type: 'string', value: 'ID', description: 'only rollouts of this plan' },
      status: { type: 'string', value: 'STATUS', description: 'pending, running, paused, succeeded, failed, aborted' },
    },
    summary: 'rollouts',
    async run(context) {
      const rollouts = await (await context.api()).get<RolloutView[]>('/api/v1/rollouts', { plan: stringOption(context, 'plan'), status: stringOption(context, 'status') });
      if (context.json) printJson(context.stdout, rollouts);
      else
        printTable(
          context.stdout,
          ['ID', 'PLAN', 'STATUS', 'STAGE', 'DATACENTER', 'CREATED'],
          rollouts.map((r) => [r.id, r.planId, r.status, r.stage, r.datacenter ?? '-', r.createdAt]),
          'no rollouts',
        );
      return ExitCode.Ok;
    },
  },
  {
    words: ['rollout', 'watch'],
    args: 'ID',
    positionals: 1,
    summary: 'follow a rollout live until it ends: exit 0 when it succeeds, 1 when it fails, is aborted or rolled back',
    async run(context) {
      if (context.json) throw new UsageError('rollout watch has no --json: use rollout show --json, or the /dashboard socket');
      return watchRollout({
        api: await context.api(),
        rolloutId: context.positionals[0]!,
        stdout: context.stdout,
        stderr: context.stderr,
        signal: context.signal,
        live: context.stdout.isTTY,
        colour: context.stdout.isTTY && context.env.colour,
      });
    },
  },
  {
    words: ['switch', 'set'],
    args: 'SERVICE NAME on|off',
    positionals: 3,
    summary: "turn a service's switch on or off",
    async run(context) {
      const [service, name, value] = context.positionals as [string, string, string];
      if (!(value in SWITCH_STATES)) throw new UsageError(`switch set: the state must be on or off, not ${JSON.stringify(value)}`);
      const enabled = SWITCH_STATES[value as keyof typeof SWITCH_STATES];
      const result = await (await context.api()).put<unknown>(`/api/v1/services/${id(service)}/switches/${id(name)}`, { json: { enabled } });
      if (context.json) printJson(context.stdout, result ?? { service, switch: name, enabled });
      else context.stdout.write(`switch ${name} of ${service} is ${value}\n`);
      return ExitCode.Ok;
    },
  },
];
