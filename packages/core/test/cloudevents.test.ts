import type { MessageEvent, NeutralEvent, ObjectEvent, ScheduleEvent } from '@cloudport/core';
import { CLOUDEVENT_TYPES, toCloudEvent } from '@cloudport/core/cloudevents';
import { describe, expect, it } from 'vitest';

const TIME = '2026-03-10T10:00:00.000Z';

const created: ObjectEvent = {
  type: 'object.created',
  id: 'evt-1',
  bucket: 'uploads',
  key: 'in/report 2026.csv',
  size: 2048,
  etag: '"abc123"',
  contentType: 'text/csv',
  time: TIME,
  raw: { Records: [{ s3: { object: { key: 'in/report+2026.csv' } } }] },
};

const deleted: ObjectEvent = {
  type: 'object.deleted',
  id: 'evt-2',
  bucket: 'uploads',
  key: 'in/old.csv',
  time: TIME,
  raw: { secret: 'provider detail' },
};

function message<T>(body: T, extra: Partial<MessageEvent<T>> = {}): MessageEvent<T> {
  return {
    type: 'message',
    id: 'msg-1',
    queue: 'rows',
    messageId: 'msg-1',
    body,
    attributes: {},
    time: TIME,
    raw: { Body: 'original' },
    ...extra,
  };
}

const tick: ScheduleEvent = {
  type: 'schedule',
  id: 'tick-1',
  schedule: '0 2 * * *',
  time: TIME,
  raw: {},
};

describe('toCloudEvent', () => {
  it.each<{ event: NeutralEvent; type: string; source: string; subject: string | undefined }>([
    {
      event: created,
      type: 'dev.cloudport.object.created',
      source: '/buckets/uploads',
      subject: created.key,
    },
    {
      event: deleted,
      type: 'dev.cloudport.object.deleted',
      source: '/buckets/uploads',
      subject: deleted.key,
    },
    {
      event: message({ a: 1 }),
      type: 'dev.cloudport.message',
      source: '/queues/rows',
      subject: 'msg-1',
    },
    { event: tick, type: 'dev.cloudport.schedule', source: '/schedules', subject: undefined },
  ])(
    'expresses a $event.type event as a valid CloudEvent 1.0',
    ({ event, type, source, subject }) => {
      const cloudEvent = toCloudEvent(event);

      expect(cloudEvent.validate()).toBe(true);
      expect(cloudEvent).toMatchObject({
        specversion: '1.0',
        id: event.id,
        type,
        source,
        time: TIME,
      });
      expect(cloudEvent.subject).toBe(subject);
      expect(JSON.stringify(cloudEvent)).not.toContain('raw');
    },
  );

  it('uses the published type names', () => {
    expect(CLOUDEVENT_TYPES).toEqual({
      'object.created': 'dev.cloudport.object.created',
      'object.deleted': 'dev.cloudport.object.deleted',
      message: 'dev.cloudport.message',
      schedule: 'dev.cloudport.schedule',
    });
  });

  it('carries object facts as JSON data, without the raw event or the content', () => {
    const cloudEvent = toCloudEvent(created);

    expect(cloudEvent.datacontenttype).toBe('application/json');
    expect(cloudEvent.data).toEqual({
      bucket: 'uploads',
      key: 'in/report 2026.csv',
      size: 2048,
      etag: '"abc123"',
      contentType: 'text/csv',
      time: TIME,
    });
  });

  it.each([
    { kind: 'json', body: { rows: [[1, 'a']] } },
    { kind: 'text', body: 'plain line' },
  ])('carries a $kind message body as data', ({ body }) => {
    const cloudEvent = toCloudEvent(message(body));

    expect(cloudEvent.datacontenttype).toBe('application/json');
    expect(cloudEvent.data).toEqual(body);
    expect(cloudEvent.data_base64).toBeUndefined();
  });

  it('carries a bytes body as data_base64 and leaves data out of the JSON form', () => {
    const cloudEvent = toCloudEvent(message(new Uint8Array([0, 255, 1])));
    const json = JSON.parse(JSON.stringify(cloudEvent)) as Record<string, unknown>;

    expect(cloudEvent.validate()).toBe(true);
    expect(cloudEvent.datacontenttype).toBe('application/octet-stream');
    expect(json.data_base64).toBe('AP8B');
    expect(json).not.toHaveProperty('data');
  });

  it('adds the ordering key as the orderingkey extension only when there is one', () => {
    const ordered = toCloudEvent(message('x', { orderingKey: 'customer-7' }));
    const unordered = toCloudEvent(message('x'));

    expect(ordered.validate()).toBe(true);
    expect(ordered.orderingkey).toBe('customer-7');
    expect(unordered).not.toHaveProperty('orderingkey');
  });

  it('carries the schedule and whether the firing runs late', () => {
    expect(toCloudEvent(tick).data).toEqual({ schedule: '0 2 * * *', pastDue: false });
    expect(toCloudEvent({ ...tick, pastDue: true }).data).toEqual({
      schedule: '0 2 * * *',
      pastDue: true,
    });
  });

  it('takes the source from the options when given', () => {
    const cloudEvent = toCloudEvent(created, { source: '//storage.example.com/acme-uploads' });

    expect(cloudEvent.source).toBe('//storage.example.com/acme-uploads');
  });

  it('leaves the neutral event untouched', () => {
    const before = structuredClone(created);
    toCloudEvent(created);

    expect(created).toEqual(before);
  });
});
