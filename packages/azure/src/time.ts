// Times in events are ISO 8601 in UTC with milliseconds. Event Grid and the Functions host
// mostly send that already (or with more fractional digits); rewriting it from the string is
// several times cheaper than parsing and formatting a Date. The shape is held to the range in
// which a Date reads the string as written: a day after the 28th, hour 24 or second 60 would
// roll over or fail, so those are left to Date.
const DATE = String.raw`\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])`;
const CLOCK = String.raw`(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d`;
const ISO_UTC = new RegExp(String.raw`^(${DATE}T${CLOCK})(?:\.(\d+))?Z$`);

/** A time as ISO 8601 in UTC with milliseconds (extra digits cut), or undefined if unreadable. */
export function isoTime(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const match = ISO_UTC.exec(value);
    if (match) {
      const fraction = match[2];
      if (fraction?.length === 3) return value;
      return `${match[1]}.${`${fraction ?? ''}000`.slice(0, 3)}Z`;
    }
  }
  const time = Date.parse(String(value));

  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}
