import { type CapabilityDeclaration, FEATURES } from '@cloudport/core';
import { describe, expect, it } from 'vitest';
import { type AdapterHarness, adapterConformance } from '../src/adapter-suite.js';
import { collect, failureOf } from './support/collect.js';

/** Every feature declared `no`, except those listed as `yes`. */
function declaration(yes: string[] = []): CapabilityDeclaration {
  const features = Object.fromEntries(
    FEATURES.map(({ id }) =>
      yes.includes(id) ? [id, { support: 'yes' }] : [id, { support: 'no', note: 'stub' }],
    ),
  );

  return { implementation: 'stub', title: 'Stub', features } as CapabilityDeclaration;
}

/** A harness that accepts every pipeline and acknowledges every invocation. */
const lenient: AdapterHarness = {
  objectInput: (fact) => fact,
  messageInput: (_queue, messages) => messages,
  scheduleInput: (time) => time,
  malformedInputs: () => [],
  run: async () => 'ran',
  outcomes: () => ['acknowledged'],
  http: async () => new Response('ok'),
  deadLetters: async () => [],
};

function casesFor(capabilities: CapabilityDeclaration) {
  return collect((runner) =>
    adapterConformance(runner, { name: 'stub', capabilities, createHarness: async () => lenient }),
  );
}

describe('adapter suite against broken declarations', () => {
  const declares =
    'declares every feature of the capability list, with a note unless fully supported';

  it('fails a declaration that leaves a feature of the list out', async () => {
    expect(await failureOf(casesFor(declaration()), declares)).toBeUndefined();
    const partial = declaration();
    delete (partial.features as Partial<CapabilityDeclaration['features']>)['queue.delay'];
    expect((await failureOf(casesFor(partial), declares))?.message).toMatch(/leaves out/);
  });

  it('fails an adapter that runs a trigger it declares unsupported', async () => {
    const cases = casesFor(declaration());
    const name = 'trigger.http is declared unsupported, so a function with it raises UNSUPPORTED';
    expect((await failureOf(cases, name))?.message).toMatch(/neither binding nor running it/);
  });
});
