// The review cutoff (MISSION.md step 1): code review must be requested before the end
// of the working day before the launch.
import { DateTime } from 'luxon';

/** The instant review requests become late for a launch at `plannedLaunchAt`. */
export function reviewCutoff(plannedLaunchAt: Date, cutoffHour: number, timeZone: string): Date {
  let day = DateTime.fromJSDate(plannedLaunchAt, { zone: timeZone }).startOf('day').minus({ days: 1 });
  while (day.weekday > 5) day = day.minus({ days: 1 });
  return day.set({ hour: cutoffHour }).toJSDate();
}

export function isLateReviewRequest(requestedAt: Date, cutoff: Date): boolean {
  return requestedAt.getTime() >= cutoff.getTime();
}
