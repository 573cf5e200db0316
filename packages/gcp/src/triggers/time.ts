// RFC 3339 in UTC, as Pub/Sub, Cloud Storage and Eventarc write times. A string of this shape
// always parses (V8 takes any day up to 31), so it needs no Date.parse, which costs several times
// more; every other shape is left to Date.parse.
const RFC3339_UTC =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?Z$/;

/** True for a string that `Date.parse` reads as a time. */
export function isTime(value: unknown): value is string {
  return typeof value === 'string' && (RFC3339_UTC.test(value) || !Number.isNaN(Date.parse(value)));
}
