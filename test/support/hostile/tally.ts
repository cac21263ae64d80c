// What a hostile spec sent and what came back: counts per target (a route, an event) and
// outcome (a status and code, an ack), printed as a table like the benches print theirs,
// and the broken properties grouped by cause, each with the inputs that showed it.

export interface Violation {
  /** The property broken, e.g. "5xx", "4xx body without a machine code". */
  property: string;
  /** What was sent, in words a reader can replay (see describeValue). */
  sent: string;
  /** What came back. */
  got: string;
  /** Group by the property alone, whatever the outcome (a header missing from every answer is one cause). */
  anyOutcome?: boolean;
  /** Keep an example for every target, not just the first few: each is a place to fix (a 5xx, an INTERNAL ack). */
  everyTarget?: boolean;
}

const EXAMPLES_PER_CAUSE = 3;

export class Tally {
  private readonly counts = new Map<string, Map<string, number>>();
  /** Keyed by property and outcome: one cause shows on many routes (a 401 body, a NUL reaching SQL). */
  private readonly causes = new Map<string, { count: number; targets: Set<string>; examples: Violation[] }>();

  constructor(private readonly title: string) {}

  record(target: string, outcome: string, violations: Violation[] = []): void {
    const row = this.counts.get(target) ?? new Map<string, number>();
    row.set(outcome, (row.get(outcome) ?? 0) + 1);
    this.counts.set(target, row);
    for (const violation of violations) {
      const cause = violation.anyOutcome ? violation.property : `${violation.property} | ${outcome}`;
      const entry = this.causes.get(cause) ?? { count: 0, targets: new Set<string>(), examples: [] };
      entry.count += 1;
      // Examples from different targets say more than three of the same.
      if (!entry.targets.has(target) && (violation.everyTarget || entry.examples.length < EXAMPLES_PER_CAUSE)) entry.examples.push(violation);
      entry.targets.add(target);
      this.causes.set(cause, entry);
    }
  }

  get total(): number {
    let sum = 0;
    for (const row of this.counts.values()) for (const count of row.values()) sum += count;
    return sum;
  }

  /** Distinct causes (property × target × outcome), for the spec's assertion message. */
  violations(): string[] {
    return [...this.causes.entries()].map(([cause, { count, targets, examples }]) =>
      [
        `${cause} (${count}× on ${targets.size}: ${[...targets].sort().join(', ')})`,
        ...examples.map((e) => `    sent ${e.sent}\n    got  ${e.got}`),
      ].join('\n'),
    );
  }

  table(): string {
    const lines = [`## ${this.title}`, '', '| sent | came back | count |', '| --- | --- | --- |'];
    for (const [target, row] of [...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      for (const [outcome, count] of [...row.entries()].sort(([, a], [, b]) => b - a)) lines.push(`| ${target} | ${outcome} | ${count} |`);
    }
    lines.push('', `${this.total} cases, ${this.causes.size} distinct failures`);
    return lines.join('\n');
  }

  /** The same counts by outcome alone, short enough for a README: what came back, how often, on how many targets. */
  summary(): string {
    const byOutcome = new Map<string, { count: number; targets: number }>();
    for (const row of this.counts.values()) {
      for (const [outcome, count] of row) {
        const entry = byOutcome.get(outcome) ?? { count: 0, targets: 0 };
        byOutcome.set(outcome, { count: entry.count + count, targets: entry.targets + 1 });
      }
    }
    const lines = ['| came back | count | on |', '| --- | --- | --- |'];
    for (const [outcome, { count, targets }] of [...byOutcome].sort(([, a], [, b]) => b.count - a.count)) lines.push(`| ${outcome} | ${count} | ${targets} of ${this.counts.size} |`);
    return lines.join('\n');
  }

  print(extra: string[] = []): void {
    const failures = this.violations();
    console.log([this.table(), '', this.summary(), ...extra, ...(failures.length ? ['', 'Failures:', ...failures] : [])].join('\n'));
  }
}

/** A value as a short, replayable description: JSON with escapes, or its shape when large. */
export function describeValue(value: unknown, limit = 240): string {
  if (typeof value === 'string' && value.length > limit) return `string(${value.length}) ${JSON.stringify(value.slice(0, 40))}…`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch (error) {
    return `<${(error as Error).message}>`;
  }
  // JSON.stringify keeps lone surrogates and controls escaped; anything else non-ASCII is shown as \u too, so the report is copy-safe.
  text = text.replace(/[^\x20-\x7e]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return text.length > limit ? `${text.slice(0, limit)}… (${text.length} chars)` : text;
}
