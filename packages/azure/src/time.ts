// Times in events are ISO 8601 in UTC with milliseconds. Event Grid and the Functions host
// mostly send that already (or with more fractional digits); rewriting it from the string is
// several times cheaper than parsing and formatting a Date.
const ISO_UTC = /^(\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d)(?:\.(\d+))?Z$/;

/** A time as ISO 8601 in UTC with milliseconds (extra digits cut), or undefined if unreadable. */
export function isoTime(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const match = ISO_UTC.exec(value);
    if (match) return `${match[1]}.${`${match[2] ?? ''}000`.slice(0, 3)}Z`;
  }
  const time = Date.parse(String(value));

  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}
