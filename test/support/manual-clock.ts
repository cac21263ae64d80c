// A clock the test moves by hand; the control plane reads time only from its Clock.
import { Clock } from '../../apps/control-plane/src/common/clock.js';

export class ManualClock extends Clock {
  private at: number;

  constructor(start: Date | string) {
    super();
    this.at = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.at);
  }

  advance(ms: number): void {
    this.at += ms;
  }

  set(to: Date | string): void {
    this.at = new Date(to).getTime();
  }
}
