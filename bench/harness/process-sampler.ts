// RSS and CPU of a process, read from /proc every interval: what `top` would show,
// without its rounding. CPU is utime + stime in clock ticks (100 per second on Linux).
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export interface ProcessSample {
  at: number;
  rssBytes: number;
  cpuSeconds: number;
  /** The part of cpuSeconds spent in the kernel on the process's behalf (system calls: socket writes and reads). */
  kernelSeconds: number;
}

export interface ResourceWindow {
  /** Highest RSS seen in the window. */
  peakRssMb: number;
  /** RSS at the end of the window. */
  endRssMb: number;
  /** CPU time used in the window... */
  cpuSeconds: number;
  /** ...of which in the kernel. */
  kernelSeconds: number;
  /** Average CPU in the window, in percent of one core. */
  avgCpuPercent: number;
  /** Highest CPU over one sampling interval, in percent of one core. */
  peakCpuPercent: number;
  seconds: number;
}

export function readProcess(pid: number): ProcessSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const kernelTicks = Number(fields[12]);
    const cpuTicks = Number(fields[11]) + kernelTicks;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { at: Date.now(), rssBytes: rssKb * 1024, cpuSeconds: cpuTicks / TICKS_PER_SECOND, kernelSeconds: kernelTicks / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** The whole machine's CPU time so far (every core, every process), busy and all, from /proc/stat. */
export interface MachineCpu {
  busySeconds: number;
  totalSeconds: number;
}

export function readMachineCpu(): MachineCpu {
  // cpu  user nice system idle iowait irq softirq steal ...
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((sum, t) => sum + t, 0);
  const idle = ticks[3]! + ticks[4]!;
  return { busySeconds: (total - idle) / TICKS_PER_SECOND, totalSeconds: total / TICKS_PER_SECOND };
}

/** How busy the machine was between two readings: percent of all its cores, and busy core-seconds. */
export function machineBusy(from: MachineCpu, to: MachineCpu): { percent: number; coreSeconds: number } {
  const busy = to.busySeconds - from.busySeconds;
  const total = to.totalSeconds - from.totalSeconds;
  return { percent: total > 0 ? (busy / total) * 100 : NaN, coreSeconds: busy };
}

export class ProcessSampler {
  readonly samples: ProcessSample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly pid: number,
    private readonly intervalMs = 250,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }

  sample(): ProcessSample | undefined {
    const sample = readProcess(this.pid);
    if (sample) this.samples.push(sample);
    return sample;
  }

  /** Resources between two instants (ms since the epoch); samples are taken on the spot at both ends. */
  window(from: number, to: number): ResourceWindow {
    const inside = this.samples.filter((s) => s.at >= from - this.intervalMs && s.at <= to + this.intervalMs);
    const first = inside[0];
    const last = inside.at(-1);
    if (!first || !last) return { peakRssMb: NaN, endRssMb: NaN, cpuSeconds: NaN, kernelSeconds: NaN, avgCpuPercent: NaN, peakCpuPercent: NaN, seconds: 0 };
    let peakCpu = 0;
    for (let i = 1; i < inside.length; i++) {
      const dt = (inside[i]!.at - inside[i - 1]!.at) / 1000;
      if (dt > 0) peakCpu = Math.max(peakCpu, ((inside[i]!.cpuSeconds - inside[i - 1]!.cpuSeconds) / dt) * 100);
    }
    const seconds = (last.at - first.at) / 1000;
    const cpuSeconds = last.cpuSeconds - first.cpuSeconds;
    return {
      peakRssMb: Math.max(...inside.map((s) => s.rssBytes)) / 2 ** 20,
      endRssMb: last.rssBytes / 2 ** 20,
      cpuSeconds,
      kernelSeconds: last.kernelSeconds - first.kernelSeconds,
      avgCpuPercent: seconds > 0 ? (cpuSeconds / seconds) * 100 : NaN,
      peakCpuPercent: peakCpu,
      seconds,
    };
  }
}
