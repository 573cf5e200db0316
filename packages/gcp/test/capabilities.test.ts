import { describe, expect, it } from 'vitest';
import { GCP_CAPABILITIES } from '../src/index.js';

const feature = (id: keyof typeof GCP_CAPABILITIES.features) => GCP_CAPABILITIES.features[id];

describe('GCP capability notes a user meets', () => {
  it('calls object-deleted partial: overwrites without versioning send deletes too', () => {
    expect(feature('trigger.object-deleted')).toMatchObject({
      support: 'partial',
      note: expect.stringMatching(/without versioning.*replaced generation on every overwrite/),
    });
  });

  it('says a queue trigger through Eventarc may not keep the order of an ordering key', () => {
    expect(feature('queue.ordering-key')).toMatchObject({
      support: 'partial',
      note: expect.stringMatching(/queue trigger may not keep the order.*Eventarc.*unverified/),
    });
  });
});
