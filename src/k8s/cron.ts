/**
 * The CronJob schedule syntax, as the CronJob controller parses it (robfig/cron v3
 * ParseStandard): five fields or a descriptor, plus the checks the controller
 * does not make (dates that never occur) and the shortest interval between two runs.
 */

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: { [name: string]: number };
}

const MONTH_NAMES = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DOW_NAMES = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  { name: 'day-of-week', min: 0, max: 6, names: DOW_NAMES },
];

const DESCRIPTORS: { [descriptor: string]: string } = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A parsed schedule. */
export interface ParsedSchedule {
  /** Shortest time between two runs, in minutes (wall clock, ignoring DST shifts). */
  readonly minIntervalMinutes: number;
  /**
   * Whether the schedule fires at a wall-clock time of a date (month 1-12, weekday 0-6);
   * undefined for `@every`, which does not follow the wall clock.
   */
  readonly firesAt?: (month: number, day: number, weekday: number, hour: number, minute: number) => boolean;
  /** Whether the hour field is `*` (every hour). */
  readonly everyHour: boolean;
}

/** Thrown for a schedule the controller would reject or that never fires. */
export class ScheduleError extends Error {}

function parseValue(raw: string, field: FieldSpec): number {
  const named = field.names?.[raw.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^\d+$/.test(raw)) throw new ScheduleError(`failed to parse int from ${raw} in the ${field.name} field`);
  return Number(raw);
}

function parseField(text: string, field: FieldSpec): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(',')) {
    const [rangeText, stepText, extra] = part.split('/');
    if (extra !== undefined) throw new ScheduleError(`too many slashes in '${part}' (${field.name})`);
    let start: number;
    let end: number;
    if (rangeText === '*' || rangeText === '?') {
      start = field.min;
      end = field.max;
      if (stepText === undefined) star = true;
    } else {
      const bounds = rangeText.split('-');
      if (bounds.length > 2) throw new ScheduleError(`too many hyphens in '${rangeText}' (${field.name})`);
      start = parseValue(bounds[0], field);
      end = bounds.length === 2 ? parseValue(bounds[1], field) : stepText !== undefined ? field.max : start;
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) <= 0) {
        throw new ScheduleError(`step of range should be a positive number: '${part}' (${field.name})`);
      }
      step = Number(stepText);
    }
    if (start < field.min) throw new ScheduleError(`beginning of range (${start}) below minimum (${field.min}): '${part}' (${field.name})`);
    if (end > field.max) throw new ScheduleError(`end of range (${end}) above maximum (${field.max}): '${part}' (${field.name})`);
    if (start > end) throw new ScheduleError(`beginning of range (${start}) beyond end of range (${end}): '${part}' (${field.name})`);
    for (let v = start; v <= end; v += step) values.add(v);
  }
  return { values, star };
}

function parseEvery(text: string): number {
  // Go duration: e.g. 90m, 1h30m, 2h. The controller rounds to whole seconds; we need minutes.
  const match = /^((\d+(\.\d+)?)(h|m|s|ms|us|µs|ns))+$/.exec(text);
  if (!match) throw new ScheduleError(`'@every ${text}' is not a Go duration such as 1h30m`);
  const units: { [unit: string]: number } = { h: 60, m: 1, s: 1 / 60, ms: 1 / 60000, us: 1 / 6e7, µs: 1 / 6e7, ns: 1 / 6e10 };
  let minutes = 0;
  for (const [, amount, , unit] of text.matchAll(/(\d+(\.\d+)?)(h|ms|us|µs|ns|m|s)/g)) minutes += Number(amount) * units[unit];
  if (minutes <= 0) throw new ScheduleError(`'@every ${text}' must be a positive duration`);
  return minutes;
}

const parsed = new Map<string, ParsedSchedule | ScheduleError>();
const MAX_CACHED = 1000;

/**
 * Parses a CronJob schedule; throws ScheduleError with the controller's wording where it
 * has one. Results are cached: apps repeat a handful of schedules, and the interval walk
 * covers eight years of days.
 */
export function parseSchedule(schedule: string): ParsedSchedule {
  let result = parsed.get(schedule);
  if (result === undefined) {
    try {
      result = parseUncached(schedule);
    } catch (error) {
      if (!(error instanceof ScheduleError)) throw error;
      result = error;
    }
    if (parsed.size >= MAX_CACHED) parsed.clear();
    parsed.set(schedule, result);
  }
  if (result instanceof ScheduleError) throw result;
  return result;
}

function parseUncached(schedule: string): ParsedSchedule {
  const text = schedule.trim();
  if (/^(CRON_)?TZ=/.test(text)) {
    throw new ScheduleError(`'${schedule}' sets the time zone inside the schedule (TZ= / CRON_TZ=), which Kubernetes 1.29+ rejects; use the timeZone field`);
  }
  if (text.startsWith('@every ')) return { minIntervalMinutes: parseEvery(text.slice('@every '.length).trim()), everyHour: true };
  const expanded = text.startsWith('@') ? DESCRIPTORS[text.toLowerCase()] : text;
  if (expanded === undefined) throw new ScheduleError(`unrecognized descriptor: ${text}`);
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) throw new ScheduleError(`expected exactly 5 fields, found ${parts.length}: [${parts.join(' ')}]`);
  const [minute, hour, dom, month, dow] = parts.map((part, i) => parseField(part, FIELDS[i]));

  // robfig/cron: when day-of-month or day-of-week is '*', both must match; otherwise either.
  const dayMatches = (day: number, weekday: number) => (dom.star || dow.star)
    ? dom.values.has(day) && dow.values.has(weekday)
    : dom.values.has(day) || dow.values.has(weekday);

  if (dow.star && ![...month.values].some((m) => [...dom.values].some((d) => d <= DAYS_IN_MONTH[m - 1]))) {
    throw new ScheduleError(`'${schedule}' never runs: no month of ${[...month.values].join(',')} has day ${[...dom.values].join(',')}`);
  }

  const times = [...hour.values].sort((a, b) => a - b).flatMap((h) => [...minute.values].sort((a, b) => a - b).map((m) => h * 60 + m));
  let minInterval = Infinity;
  for (let i = 1; i < times.length; i++) minInterval = Math.min(minInterval, times[i] - times[i - 1]);
  // Walk 8 years of days (two leap cycles) to find the closest pair of firing days.
  const start = Date.UTC(2024, 0, 1);
  let previousDay: number | undefined;
  let firingDays = 0;
  for (let dayIndex = 0; dayIndex < 8 * 366; dayIndex++) {
    const date = new Date(start + dayIndex * 86400000);
    if (!month.values.has(date.getUTCMonth() + 1) || !dayMatches(date.getUTCDate(), date.getUTCDay())) continue;
    firingDays++;
    if (previousDay !== undefined) {
      minInterval = Math.min(minInterval, (dayIndex - previousDay) * 1440 - times[times.length - 1] + times[0]);
    }
    previousDay = dayIndex;
  }
  if (firingDays === 0) throw new ScheduleError(`'${schedule}' never runs`);
  if (minInterval === Infinity) minInterval = 8 * 366 * 1440; // fires once in the window: yearly or rarer
  return {
    minIntervalMinutes: minInterval,
    everyHour: hour.star,
    firesAt: (m, day, weekday, h, min) => month.values.has(m) && dayMatches(day, weekday) && hour.values.has(h) && minute.values.has(min),
  };
}

/** A daylight-saving change of a time zone and the runs of a schedule it moves. */
export interface ClockChange {
  /**
   * `forward`: wall-clock times in the gap do not exist; `back`: times in the overlap occur
   * twice; `uneven`: a change by other than whole hours (Australia/Lord_Howe's 30 minutes), where
   * robfig/cron's whole-hour steps may skip or repeat runs in the hours around it.
   */
  readonly direction: 'forward' | 'back' | 'uneven';
  /** The local date of the change, YYYY-MM-DD. */
  readonly date: string;
  /** The local wall-clock time the change starts at, HH:MM (02:00 forward to 03:00 in Europe/Berlin). */
  readonly at: string;
  /** The local wall-clock time the clock shows after it, HH:MM. */
  readonly to: string;
  /** The runs the change moves, HH:MM local: skipped (forward) or run twice (back). */
  readonly runs: string[];
}

/** A time zone's offset from UTC at an instant, in minutes. */
function offsetMinutes(zone: Intl.DateTimeFormat, instant: number): number {
  const name = zone.formatToParts(new Date(instant)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT(?:([+-])(\d{1,2})(?::(\d{2}))?)?$/.exec(name);
  if (!match || match[1] === undefined) return 0;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3] ?? 0));
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The daylight-saving changes of `timeZone` in `year` at which the schedule has runs: the
 * CronJob controller computes run times with robfig/cron v3, whose `Next` walks the zone's
 * wall clock by adding real hours and minutes, so a run whose time falls in the hour the clock
 * skips is not started that day, and one in the hour the clock repeats is started twice.
 */
export function clockChanges(schedule: string, timeZone: string, year: number): ClockChange[] {
  const firesAt = parseSchedule(schedule).firesAt;
  if (firesAt === undefined) return [];
  const changes: ClockChange[] = [];
  for (const change of transitionsOf(timeZone, year)) {
    const local = new Date(change.instant + change.before * 60000);
    const shift = change.after - change.before;
    const startMinute = local.getUTCHours() * 60 + local.getUTCMinutes();
    // Forward: [start, start + shift) does not exist. Back: [start + shift, start) occurs twice.
    // Uneven: the whole hours the change touches, and the hour after.
    const uneven = shift % 60 !== 0;
    let [from, to] = shift > 0 ? [startMinute, startMinute + shift] : [startMinute + shift, startMinute];
    if (uneven) [from, to] = [Math.floor(from / 60) * 60, Math.ceil(to / 60) * 60 + 60];
    const runs: string[] = [];
    for (let m = from; m < to; m++) {
      const wall = ((m % 1440) + 1440) % 1440;
      if (firesAt(local.getUTCMonth() + 1, local.getUTCDate(), local.getUTCDay(), Math.floor(wall / 60), wall % 60)) runs.push(clock(wall));
    }
    if (runs.length === 0) continue;
    changes.push({
      direction: uneven ? 'uneven' : shift > 0 ? 'forward' : 'back',
      date: `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`,
      at: clock(startMinute),
      to: clock(startMinute + shift),
      runs,
    });
  }
  return changes;
}

/** HH:MM of a minute of the day. */
function clock(minute: number): string {
  const wall = ((minute % 1440) + 1440) % 1440;
  return `${pad(Math.floor(wall / 60))}:${pad(wall % 60)}`;
}

/** Formatters by zone: making one costs more than a year of lookups. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The instants a zone's offset changes in a year, with the offsets before and after, cached. */
const transitions = new Map<string, Array<{ instant: number; before: number; after: number }>>();

function transitionsOf(timeZone: string, year: number): Array<{ instant: number; before: number; after: number }> {
  const key = `${timeZone}\u0000${year}`;
  let found = transitions.get(key);
  if (found !== undefined) return found;
  found = [];
  let zone = formatters.get(timeZone);
  if (zone === undefined) {
    zone = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    formatters.set(timeZone, zone);
  }
  const day = 86400000;
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  let before = offsetMinutes(zone, start);
  for (let t = start; t < end; t += day) {
    const after = offsetMinutes(zone, t + day);
    if (after === before) continue;
    // The change is within this day: find its minute.
    let low = t;
    let high = t + day;
    while (high - low > 60000) {
      const middle = low + Math.floor((high - low) / 120000) * 60000;
      if (offsetMinutes(zone, middle) === before) low = middle; else high = middle;
    }
    found.push({ instant: high, before, after });
    before = after;
  }
  if (transitions.size >= MAX_CACHED) transitions.clear();
  transitions.set(key, found);
  return found;
}

/** Whether a time zone is one a CronJob accepts: an IANA name the runtime knows, not empty, not Local. */
export function timeZoneProblem(timeZone: string): string | undefined {
  if (timeZone.trim() === '') return 'is empty';
  if (timeZone === 'Local') return "is 'Local', which Kubernetes rejects";
  if (!/^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/.test(timeZone)) return 'is not an IANA time zone name';
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
    // The runtime looks zones up case-insensitively; the apiserver's lookup is case-sensitive.
    if (resolved !== timeZone && resolved.toLowerCase() === timeZone.toLowerCase()) {
      return `is written in the wrong case: the apiserver looks zones up case-sensitively, so write '${resolved}'`;
    }
    return undefined;
  } catch {
    return 'is not an IANA time zone this runtime knows';
  }
}
