// The terminal view of a watched rollout, redrawn in place on each change: per
// datacenter a progress bar, its batch, a grid with one character per host coloured
// by its phase, then the latest reasons. Pure: state and width in, lines out.
import type { HostStepView } from '../../../../libs/protocol/src/index.js';
import { describeReason, headline, isHostDone, progressOf, type WatchState } from './watch-state.js';

const ANSI = { reset: '\x1b[0m', dim: '\x1b[2m', bold: '\x1b[1m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', magenta: '\x1b[35m', cyan: '\x1b[36m' };

type Phase = HostStepView['phase'];
// A distinct character per phase as well as a colour, so the grid reads without colour too.
const CELL: Record<Phase, { char: string; colour: string }> = {
  waiting: { char: '.', colour: ANSI.dim },
  running: { char: '*', colour: ANSI.yellow },
  done: { char: '#', colour: ANSI.green },
  failed: { char: 'x', colour: ANSI.red },
  skipped: { char: '-', colour: ANSI.magenta },
};

const BAR_WIDTH = 24;

function cellOf(host: HostStepView, colour: boolean): string {
  // A wave host that moved on to the checks between datacenters counts as done in the grid.
  const phase: Phase = isHostDone(host) && host.phase !== 'skipped' && host.phase !== 'failed' ? 'done' : host.phase;
  const { char, colour: code } = CELL[phase];
  return colour ? `${code}${char}${ANSI.reset}` : char;
}

function bar(done: number, total: number, colour: boolean): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * BAR_WIDTH);
  const full = '█'.repeat(filled);
  const empty = '░'.repeat(BAR_WIDTH - filled);
  return colour ? `${ANSI.green}${full}${ANSI.dim}${empty}${ANSI.reset}` : `${full}${empty}`;
}

function clip(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
}

export function renderScreen(state: WatchState, options: { columns: number; colour: boolean; note?: string }): string[] {
  const { columns, colour } = options;
  const rollout = state.rollout;
  const groups = progressOf(state);
  const nameWidth = Math.max(7, ...groups.map((g) => g.name.length));
  const lines: string[] = [];
  const head = clip(headline(rollout), columns);
  lines.push(colour ? `${ANSI.bold}${head}${ANSI.reset}` : head);
  for (const group of groups) {
    const current = rollout.datacenter === group.name && rollout.batch ? `  batch ${rollout.batch.number}/${rollout.batch.of}` : '';
    const count = `${group.done}/${group.total}`.padStart(7);
    lines.push(`${group.name.padEnd(nameWidth)} ${bar(group.done, group.total, colour)} ${count}${current}`);
    // The grid wraps under the bar; hosts not yet begun are waiting dots.
    const cells = [...group.hosts.map((h) => cellOf(h, colour)), ...Array.from({ length: group.total - group.hosts.length }, () => (colour ? `${ANSI.dim}.${ANSI.reset}` : '.'))];
    const perLine = Math.max(8, columns - nameWidth - 2);
    for (let i = 0; i < cells.length; i += perLine) lines.push(`${' '.repeat(nameWidth + 1)}${cells.slice(i, i + perLine).join('')}`);
  }
  const legend = Object.entries(CELL).map(([phase, cell]) => `${colour ? `${cell.colour}${cell.char}${ANSI.reset}` : cell.char} ${phase}`);
  lines.push(`${' '.repeat(nameWidth + 1)}${legend.join('  ')}`);
  const reason = describeReason(rollout);
  const reasons = state.reasons.length > 0 ? state.reasons : reason ? [reason] : [];
  if (reasons.length > 0) {
    lines.push('latest:');
    for (const line of reasons) lines.push(clip(`  ${line}`, columns));
  }
  if (options.note) lines.push(clip(options.note, columns));
  return lines;
}

/** Draws `lines` over the `previous` count of lines drawn before (cursor at the block's end). */
export function redraw(previous: number, lines: string[]): string {
  const up = previous > 0 ? `\x1b[${previous}F` : '';
  return `${up}\x1b[J${lines.join('\n')}\n`;
}
