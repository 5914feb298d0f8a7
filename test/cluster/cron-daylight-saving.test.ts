/**
 * Daylight saving time in a CronJob's time zone, on the CronJob controller's own cron library:
 * `controlplane cron-times` parses the schedule as cronjob_controllerv2.go does ("TZ=<zone>
 * <schedule>", robfig/cron v3 at the version k8s.io/kubernetes pins) and lists the start
 * times `Next` gives over a year. On every local date of the year the number of starts is what
 * the schedule says on the wall clock, except on the dates `clockChanges` names (the warning of
 * the cronjob-daylight-saving rule): a run in the hour the clock skips is not started, one in
 * the hour it repeats is started twice.
 */
import { describe, it } from 'node:test';
import { expect } from 'expect';
import { controlplane } from './util/cluster';
import { clockChanges, parseSchedule } from '../../src/k8s/cron';

const YEAR = 2026;

/** Starts per local date (YYYY-MM-DD in the zone) that the controller's cron library computes. */
function startsPerDate(schedule: string, timeZone: string): Map<string, number> {
  const times: string[] = controlplane('cron-times', {
    schedule, timeZone, from: `${YEAR - 1}-12-30T00:00:00Z`, until: `${YEAR + 1}-01-03T00:00:00Z`,
  });
  const local = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const counts = new Map<string, number>();
  for (const time of times) {
    const date = local.format(new Date(time));
    counts.set(date, (counts.get(date) ?? 0) + 1);
  }
  return counts;
}

/** What the wall clock says, with the runs clockChanges names taken away or added. */
function expectedPerDate(schedule: string, timeZone: string): Map<string, number> {
  const firesAt = parseSchedule(schedule).firesAt!;
  const counts = new Map<string, number>();
  for (let t = Date.UTC(YEAR, 0, 1); t < Date.UTC(YEAR + 1, 0, 1); t += 86400000) {
    const d = new Date(t);
    let n = 0;
    for (let minute = 0; minute < 1440; minute++) {
      if (firesAt(d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCDay(), Math.floor(minute / 60), minute % 60)) n++;
    }
    if (n > 0) counts.set(d.toISOString().slice(0, 10), n);
  }
  for (const change of clockChanges(schedule, timeZone, YEAR)) {
    if (change.direction === 'uneven') continue; // 'may': checked apart
    const n = (counts.get(change.date) ?? 0) + (change.direction === 'forward' ? -1 : 1) * change.runs.length;
    if (n > 0) counts.set(change.date, n); else counts.delete(change.date);
  }
  return counts;
}

describe('daylight saving time on the CronJob controller\'s cron library (robfig/cron v3)', () => {
  const cases: Array<[string, string, number]> = [
    // schedule, zone, how many dates differ from the wall clock
    ['0 2 * * *', 'Europe/Berlin', 2],
    ['30 2 * * 0', 'Europe/Berlin', 2],
    ['30 1 * * *', 'America/New_York', 1],
    ['*/20 1-3 * * *', 'Europe/London', 2],
    // 30 minutes forward at 02:00 in October, back at 02:00 to 01:30 in April (both 'uneven').
    ['15 2 * * *', 'Australia/Lord_Howe', 2],
    ['0 4 * * *', 'Europe/Berlin', 0],
    ['0 0 * * *', 'America/Santiago', 1],
    ['30 0 * * *', 'America/Havana', 2],
    ['0 2 * * *', 'Etc/UTC', 0],
  ];
  for (const [schedule, timeZone, changed] of cases) {
    it(`'${schedule}' in ${timeZone}: starts on every date of ${YEAR} as clockChanges says (${changed} changed)`, () => {
      const actual = startsPerDate(schedule, timeZone);
      const expected = expectedPerDate(schedule, timeZone);
      const dates = [...new Set([...actual.keys(), ...expected.keys()])].filter((d) => d.startsWith(`${YEAR}-`)).sort();
      // A change by less than an hour says "may": the dates the cron library differs on must be among those it names.
      const mayDiffer = new Set(clockChanges(schedule, timeZone, YEAR).filter((c) => c.direction === 'uneven').map((c) => c.date));
      const differences = dates.filter((d) => (actual.get(d) ?? 0) !== (expected.get(d) ?? 0) && !mayDiffer.has(d))
        .map((d) => `${d}: the cron library starts ${actual.get(d) ?? 0}, clockChanges says ${expected.get(d) ?? 0}`);
      expect(differences).toEqual([]);
      expect(clockChanges(schedule, timeZone, YEAR)).toHaveLength(changed);
      // ...and where it says "may", the library does differ from the wall clock (the warning is not noise).
      for (const date of mayDiffer) expect(`${date}: ${actual.get(date) ?? 0}`).not.toBe(`${date}: ${expected.get(date) ?? 0}`);
    });
  }

});
