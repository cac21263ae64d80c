// What every scenario returns, printed as a markdown table and written as JSON.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Row {
  metric: string;
  value: number | string;
  unit?: string;
  /** The issue's target, as text (`<= 1000 ms`). */
  target?: string;
  met?: boolean;
}

export interface BenchResult {
  scenario: string;
  title: string;
  parameters: Record<string, unknown>;
  /** Where the load generators stand in for something real, so only the control plane's costs are measured. */
  standIns: string[];
  notes: string[];
  rows: Row[];
  /** Raw figures behind the rows. */
  data: Record<string, unknown>;
}

export interface BenchReport extends BenchResult {
  startedAt: string;
  durationSeconds: number;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; nofileLimit: string };
}

export function machine(nofileLimit: string): BenchReport['machine'] {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    nofileLimit,
  };
}

function cell(value: number | string, unit?: string): string {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(Number(value.toFixed(2))) : 'n/a') : value;
  return unit ? `${text} ${unit}` : text;
}

export function toMarkdown(report: BenchReport): string {
  const lines = [
    `## ${report.title}`,
    '',
    `Parameters: ${Object.entries(report.parameters).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`,
    `Machine: ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGb} GiB, Node ${report.machine.node}, nofile ${report.machine.nofileLimit}`,
    '',
    '| metric | value | target | met |',
    '| --- | --- | --- | --- |',
    ...report.rows.map((row) => `| ${row.metric} | ${cell(row.value, row.unit)} | ${row.target ?? ''} | ${row.met === undefined ? '' : row.met ? 'yes' : 'NO'} |`),
  ];
  if (report.standIns.length) lines.push('', ...report.standIns.map((s) => `Stand-in: ${s}`));
  if (report.notes.length) lines.push('', ...report.notes.map((n) => `Note: ${n}`));
  return lines.join('\n');
}

export async function writeReport(dir: string, report: BenchReport): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${report.scenario}-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
