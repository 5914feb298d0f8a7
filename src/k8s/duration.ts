import { Duration } from 'cdk8s';

/** Seconds as a person writes them: `6 hours`, `1 day 12 hours`, `90` is `1 minute 30 seconds`. */
export function humanSeconds(total: number): string {
  const units: Array<[number, string]> = [[86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  const parts: string[] = [];
  let rest = total;
  for (const [size, name] of units) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count} ${name}${count === 1 ? '' : 's'}`);
    rest -= count * size;
  }
  return parts.length > 0 ? parts.join(' ') : '0 seconds';
}

/**
 * A duration as the user wrote it (`8 hours`, not cdk8s's `7 hours 60 minutes`); a
 * non-positive or fractional one, which messages report as wrong, in cdk8s's own words.
 */
export function humanDuration(duration: Duration): string {
  const ms = duration.toMilliseconds();
  return ms > 0 && ms % 1000 === 0 ? humanSeconds(ms / 1000) : duration.toHumanString();
}
