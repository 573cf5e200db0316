// RFC 3339 in UTC, as Pub/Sub, Cloud Storage and Eventarc write times. A string of this shape
// always parses (V8 takes any day up to 31), so it needs no Date.parse, which costs several times
// more; every other shape is left to Date.parse.
const DATE = String.raw`\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])`;
const CLOCK = String.raw`(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d`;
const RFC3339_UTC = new RegExp(String.raw`^${DATE}T${CLOCK}(?:\.\d{1,9})?Z$`);

/** True for a string that `Date.parse` reads as a time. */
export function isTime(value: unknown): value is string {
  return typeof value === 'string' && (RFC3339_UTC.test(value) || !Number.isNaN(Date.parse(value)));
}
