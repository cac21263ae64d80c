// Parses YAML launch plans on a worker thread. The yaml library costs about a
// microsecond per byte even without its quadratic duplicate-key check, so a plan near
// the 1 MB body limit would hold the event loop (heartbeats, acks, /healthz) for most of
// a second; on a worker it holds nothing. One worker, plans in turn, a bounded queue.
//
// The worker runs parseYamlPlan (libs/domain) from its source text, with yaml loaded by
// absolute path: the same code the unit specs run, and no separate worker file that the
// TypeScript build and the ts-jest tests would each have to find.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { DomainError, parseYamlPlan, PLAN_DOCUMENT_LIMITS, type PlanDocumentLimits, type YamlPlanResult } from '../../../../libs/domain/src/index.js';

export interface YamlPlanParserOptions {
  limits: PlanDocumentLimits;
  /** A plan still parsing after this long is refused and its worker replaced. */
  timeoutMs: number;
  /** Plans waiting beyond this many are refused with 503 rather than queued. */
  maxQueued: number;
}

const DEFAULTS: YamlPlanParserOptions = { limits: PLAN_DOCUMENT_LIMITS, timeoutMs: 10_000, maxQueued: 16 };

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const yaml = require(workerData.yamlPath);
const parseYamlPlan = (${parseYamlPlan.toString()});
parentPort.postMessage({ ready: true });
parentPort.on('message', ({ id, text }) => {
  let result;
  try {
    result = parseYamlPlan(yaml, text, workerData.limits);
  } catch (error) {
    result = { ok: false, problems: [{ path: '', message: 'YAML: ' + (error && error.message) }] };
  }
  parentPort.postMessage({ id, result });
});
`;

interface Task {
  id: number;
  text: string;
  resolve: (result: YamlPlanResult) => void;
  reject: (error: Error) => void;
}

@Injectable()
export class YamlPlanParser implements OnModuleDestroy {
  private readonly options: YamlPlanParserOptions;
  private worker: Worker | undefined;
  /** Whether the worker has loaded yaml: its start-up does not count against a plan's time. */
  private ready = false;
  /** In the order sent; the worker answers in that order, so the head is the one parsing. */
  private readonly queue: Task[] = [];
  private timer: NodeJS.Timeout | undefined;
  private nextId = 1;

  constructor(options: Partial<YamlPlanParserOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  parse(text: string): Promise<YamlPlanResult> {
    if (this.queue.length >= this.options.maxQueued) {
      return Promise.reject(new DomainError('unavailable', 'PLAN_PARSER_BUSY', `${this.queue.length} YAML plans are already being parsed: retry shortly, or send the plan as JSON`));
    }
    return new Promise<YamlPlanResult>((resolve, reject) => {
      const task: Task = { id: this.nextId++, text, resolve, reject };
      this.queue.push(task);
      this.ensureWorker().postMessage({ id: task.id, text });
      if (this.queue.length === 1) this.armTimer();
    });
  }

  async onModuleDestroy(): Promise<void> {
    clearTimeout(this.timer);
    const worker = this.worker;
    this.worker = undefined;
    for (const task of this.queue.splice(0)) task.reject(new DomainError('unavailable', 'SHUTTING_DOWN', 'the control plane is shutting down'));
    await worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { yamlPath: createRequire(import.meta.url).resolve('yaml'), limits: this.options.limits },
    });
    worker.unref();
    this.ready = false;
    worker.on('message', ({ ready, id, result }: { ready?: true; id: number; result: YamlPlanResult }) => {
      if (this.worker !== worker) return; // replaced: what it still says is about tasks already refused
      if (ready) {
        this.ready = true;
        if (this.queue.length > 0) this.armTimer();
        return;
      }
      if (this.queue[0]?.id !== id) return;
      clearTimeout(this.timer);
      this.queue.shift()!.resolve(result);
      if (this.queue.length > 0) this.armTimer();
    });
    worker.on('error', (error) => this.replaceWorker(worker, error));
    worker.on('exit', () => this.replaceWorker(worker, new Error('the YAML parser stopped')));
    this.worker = worker;
    return worker;
  }

  private armTimer(): void {
    clearTimeout(this.timer);
    if (!this.ready) return; // armed when the worker says it is ready
    this.timer = setTimeout(() => {
      const head = this.queue.shift();
      head?.reject(new DomainError('invalid', 'PLAN_TOO_COMPLEX', `the YAML plan took longer than ${this.options.timeoutMs} ms to parse: simplify it or send it as JSON`));
      const worker = this.worker;
      this.worker = undefined;
      void worker?.terminate();
      this.resend();
    }, this.options.timeoutMs);
    this.timer.unref();
  }

  /** A worker that died takes its task with it (refused), the others go to a new one. */
  private replaceWorker(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    clearTimeout(this.timer);
    this.queue.shift()?.reject(new DomainError('invalid', 'PLAN_UNPARSABLE', `the YAML plan could not be parsed: ${error.message}`));
    this.resend();
  }

  private resend(): void {
    if (this.queue.length === 0) return;
    const worker = this.ensureWorker();
    for (const task of this.queue) worker.postMessage({ id: task.id, text: task.text });
    this.armTimer();
  }
}
