import { readFileSync } from 'node:fs';

/** A fixture as stored: binary mode (`headers` and `body`) or a whole JSON body. */
export type Fixture =
  | { mode: 'binary'; headers: Record<string, string>; body: unknown }
  | { mode: 'json'; body: Record<string, unknown>; contentType: string };

/** Reads `test/fixtures/<name>.json`, dropping the `description` note. */
export function loadFixture(name: string): Fixture {
  const url = new URL(`../fixtures/${name}.json`, import.meta.url);
  const { description: _note, ...json } = JSON.parse(readFileSync(url, 'utf8'));
  if ('headers' in json) return { mode: 'binary', headers: json.headers, body: json.body };
  const structured = typeof json.specversion === 'string';
  const contentType = structured ? 'application/cloudevents+json' : 'application/json';

  return { mode: 'json', body: json, contentType };
}

/** What functions-framework hands a cloudEvent function for this fixture. */
export function frameworkEvent(fixture: Fixture): Record<string, unknown> {
  if (fixture.mode === 'json') return structuredClone(fixture.body);
  const event: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fixture.headers)) {
    if (name.startsWith('ce-')) event[name.slice(3)] = value;
  }
  event.data = structuredClone(fixture.body);
  if (fixture.headers.traceparent) event.traceparent = fixture.headers.traceparent;

  return event;
}

/** Posts the fixture to a functions-framework server as the platform would. */
export function postFixture(url: string, fixture: Fixture): Promise<Response> {
  if (fixture.mode === 'binary') {
    return fetch(url, {
      method: 'POST',
      headers: fixture.headers,
      body: JSON.stringify(fixture.body),
    });
  }

  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': fixture.contentType },
    body: JSON.stringify(fixture.body),
  });
}
