/** How the CLI writes times and sizes for people (JSON answers keep the numbers). */
export const time = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
export const mib = (n: number): string => (n >= 1 << 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${n} bytes`);

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** A duration as a person says it: "30 days", "1.5 days", "12 hours", "90 minutes" (never "0 days" for less than one). */
export function duration(ms: number): string {
  if (ms >= DAY) return ms % DAY === 0 ? plural(ms / DAY, 'day') : `${(ms / DAY).toFixed(1)} days`;
  if (ms >= HOUR && ms % HOUR === 0) return plural(ms / HOUR, 'hour');
  return plural(Math.max(1, Math.round(ms / MINUTE)), 'minute');
}

/** The same in a table's column: "30d", "36h", "90m". */
export function durationShort(ms: number): string {
  if (ms >= DAY && ms % DAY === 0) return `${ms / DAY}d`;
  if (ms >= HOUR && ms % HOUR === 0) return `${ms / HOUR}h`;
  return `${Math.max(1, Math.round(ms / MINUTE))}m`;
}
