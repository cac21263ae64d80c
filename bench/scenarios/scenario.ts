// The shape of a scenario: parsed options in, a result out.
import type { BenchResult } from '../harness/report.js';

export interface ScenarioOptions {
  agents?: number;
  workers: number;
  /** Scenario-specific numbers: --hold 10, --step-ms 1000, --subscribers 100, ... */
  flags: Record<string, string>;
  log: (line: string) => void;
}

export interface Scenario {
  name: string;
  summary: string;
  run(options: ScenarioOptions): Promise<BenchResult>;
}

export function numberFlag(flags: Record<string, string>, name: string, fallback: number): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return value;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
