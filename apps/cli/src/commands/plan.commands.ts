// The release process from a terminal: plans, their review request and gates, and
// the dispatcher's launch summaries.
import { GATES, type PlanView, type SummaryView } from '../../../../libs/protocol/src/index.js';
import { jsonBodyFile, rawBodyFile } from '../body-file.js';
import { ExitCode, UsageError } from '../cli-errors.js';
import { printJson, printTable, stringOption, type Command, type CommandContext, type Output } from '../command.js';

const id = (value: string) => encodeURIComponent(value);

/** Declared required, so run-cli.ts has refused the command line without it. */
function requireFile(context: CommandContext): string {
  const file = stringOption(context, 'file');
  if (!file) throw new UsageError(`${context.command} needs -f FILE`);
  return file;
}

function printPlanLine(output: Output, verb: string, plan: PlanView): void {
  output.write(`plan ${plan.id} ${verb}: ${plan.title} (${plan.status}, revision ${plan.revision})\n`);
}

function printPlan(output: Output, plan: PlanView): void {
  const lines = [
    `plan ${plan.id}`,
    `  title:     ${plan.title}`,
    `  author:    ${plan.author}`,
    `  status:    ${plan.status}${plan.rejection ? ` (rejected at ${plan.rejection.gate} by ${plan.rejection.by}: ${plan.rejection.comment})` : ''}`,
    `  revision:  ${plan.revision} (content ${plan.contentHash.slice(0, 12)})`,
    `  launch:    ${plan.plannedLaunchAt} (review cutoff ${plan.reviewCutoff})`,
    `  releases:  ${plan.spec.releases.map((r) => `${r.service}:${r.image}`).join(', ')}`,
    `  datacenters: ${plan.spec.targetDatacenters.join(' -> ')}`,
    '  gates:',
    ...GATES.map((gate) => {
      const signature = plan.signatures.find((s) => s.gate === gate && s.current);
      const by = signature ? ` by ${signature.signedBy}${signature.comment ? `: ${signature.comment}` : ''}` : '';
      return `    ${gate.padEnd(12)} ${plan.gates[gate]}${by}`;
    }),
  ];
  output.write(`${lines.join('\n')}\n`);
}

const fileOption = { file: { type: 'string' as const, short: 'f', value: 'FILE', description: 'YAML or JSON file', required: true } };
const messageOption = { message: { type: 'string' as const, short: 'm', value: 'TEXT', description: 'comment' } };

function gateCommand(decision: 'approve' | 'reject'): Command {
  return {
    words: ['gate', decision],
    args: 'PLAN GATE',
    positionals: 2,
    options: messageOption,
    summary: `${decision} a gate of a plan (${GATES.join(', ')})`,
    async run(context) {
      const [planId, gate] = context.positionals as [string, string];
      const comment = stringOption(context, 'message');
      const plan = await (await context.api()).post<PlanView>(`/api/v1/plans/${id(planId)}/gates/${id(gate)}`, {
        json: { decision, ...(comment === undefined ? {} : { comment }) },
      });
      if (context.json) printJson(context.stdout, plan);
      else context.stdout.write(`${gate} ${decision === 'approve' ? 'approved' : 'rejected'} on plan ${plan.id}: plan is ${plan.status}\n`);
      return ExitCode.Ok;
    },
  };
}

function printSummary(output: Output, summary: SummaryView): void {
  output.write(
    [
      `summary ${summary.id}: ${summary.title} (${summary.status})`,
      `  window: ${summary.window.start} - ${summary.window.end}`,
      `  by ${summary.createdBy}${summary.publishedAt ? `, published ${summary.publishedAt}` : ''}`,
      ...summary.plans.map((p) => `  ${p.position}. plan ${p.planId}${p.withPrevious ? ' (with previous)' : ''} merge ${p.mergeOrder} package ${p.packageOrder} rollback ${p.rollbackOrder}`),
    ].join('\n') + '\n',
  );
}

export const planCommands: Command[] = [
  {
    words: ['plan', 'create'],
    positionals: 0,
    options: fileOption,
    summary: 'submit a launch plan file (sent as written: YAML or JSON)',
    async run(context) {
      const plan = await (await context.api()).post<PlanView>('/api/v1/plans', await rawBodyFile(requireFile(context)));
      if (context.json) printJson(context.stdout, plan);
      else printPlanLine(context.stdout, 'created', plan);
      return ExitCode.Ok;
    },
  },
  {
    words: ['plan', 'show'],
    args: 'ID',
    positionals: 1,
    read: true,
    summary: 'one plan with its gates and who signed them',
    async run(context) {
      const plan = await (await context.api()).get<PlanView>(`/api/v1/plans/${id(context.positionals[0]!)}`);
      if (context.json) printJson(context.stdout, plan);
      else printPlan(context.stdout, plan);
      return ExitCode.Ok;
    },
  },
  {
    words: ['plan', 'list'],
    positionals: 0,
    read: true,
    options: {
      status: { type: 'string', value: 'STATUS', description: 'draft, in_review, delayed, approved, scheduled, started, cancelled' },
      author: { type: 'string', value: 'NAME', description: 'only plans by this author' },
      service: { type: 'string', value: 'NAME', description: 'only plans releasing this service' },
      datacenter: { type: 'string', value: 'DC', description: 'only plans targeting this datacenter' },
    },
    summary: 'plans, newest first',
    async run(context) {
      const plans = await (await context.api()).get<PlanView[]>('/api/v1/plans', {
        status: stringOption(context, 'status'),
        author: stringOption(context, 'author'),
        service: stringOption(context, 'service'),
        datacenter: stringOption(context, 'datacenter'),
      });
      if (context.json) printJson(context.stdout, plans);
      else
        printTable(
          context.stdout,
          ['ID', 'STATUS', 'AUTHOR', 'LAUNCH', 'GATES', 'TITLE'],
          plans.map((p) => [p.id, p.status, p.author, p.plannedLaunchAt, `${GATES.filter((g) => p.gates[g] === 'approved').length}/${GATES.length}`, p.title]),
          'no plans',
        );
      return ExitCode.Ok;
    },
  },
  {
    words: ['plan', 'review'],
    args: 'ID',
    positionals: 1,
    summary: 'request code review (after the cutoff the plan is delayed)',
    async run(context) {
      const plan = await (await context.api()).post<PlanView>(`/api/v1/plans/${id(context.positionals[0]!)}/review-request`);
      if (context.json) printJson(context.stdout, plan);
      else printPlanLine(context.stdout, 'review requested', plan);
      return ExitCode.Ok;
    },
  },
  gateCommand('approve'),
  gateCommand('reject'),
  {
    words: ['summary', 'create'],
    positionals: 0,
    options: fileOption,
    summary: "create a dispatcher's launch summary from a YAML or JSON file",
    async run(context) {
      const summary = await (await context.api()).post<SummaryView>('/api/v1/summaries', await jsonBodyFile(requireFile(context)));
      if (context.json) printJson(context.stdout, summary);
      else context.stdout.write(`summary ${summary.id} created: ${summary.title} (${summary.status}, ${summary.plans.length} plans)\n`);
      return ExitCode.Ok;
    },
  },
  {
    words: ['summary', 'publish'],
    args: 'ID',
    positionals: 1,
    summary: 'publish a summary: its plans are scheduled for its window',
    async run(context) {
      const summary = await (await context.api()).post<SummaryView>(`/api/v1/summaries/${id(context.positionals[0]!)}/publish`);
      if (context.json) printJson(context.stdout, summary);
      else context.stdout.write(`summary ${summary.id} published: ${summary.plans.length} plans scheduled from ${summary.window.start}\n`);
      return ExitCode.Ok;
    },
  },
  {
    words: ['summary', 'show'],
    args: 'ID',
    positionals: 1,
    read: true,
    summary: 'one summary with its plans in start order',
    async run(context) {
      const summary = await (await context.api()).get<SummaryView>(`/api/v1/summaries/${id(context.positionals[0]!)}`);
      if (context.json) printJson(context.stdout, summary);
      else printSummary(context.stdout, summary);
      return ExitCode.Ok;
    },
  },
  {
    words: ['summary', 'list'],
    positionals: 0,
    read: true,
    summary: 'launch summaries',
    async run(context) {
      const summaries = await (await context.api()).get<SummaryView[]>('/api/v1/summaries');
      if (context.json) printJson(context.stdout, summaries);
      else
        printTable(
          context.stdout,
          ['ID', 'STATUS', 'WINDOW START', 'PLANS', 'TITLE'],
          summaries.map((s) => [s.id, s.status, s.window.start, String(s.plans.length), s.title]),
          'no summaries',
        );
      return ExitCode.Ok;
    },
  },
];
