// Builders of what the Functions host sends for each trigger (its typed data and PascalCase
// trigger metadata), and readers of what it gets back. Values are this project's own.
import { randomUUID } from 'node:crypto';
import { type BodyKind, encodeBody } from '@cloudport/core';
import { toBlobName } from '../../src/storage/blob-names.js';
import { type HostInvocation, metadataOf, type TypedData } from './functions-host.js';

/** One Service Bus message as the host delivers it with `dataType: 'binary'`. */
export interface HostMessage {
  messageId: string;
  body: unknown;
  kind: BodyKind;
  attributes?: Record<string, string>;
  deliveryCount?: number;
  sessionId?: string;
  enqueuedTimeUtc?: string;
}

/** The invocation of a Service Bus trigger (cardinality one) for one message. */
export function serviceBusInvocation(message: HostMessage): HostInvocation {
  const enqueued = message.enqueuedTimeUtc ?? '2026-03-01T10:00:00.123Z';
  const properties = message.attributes ?? {};

  return {
    data: { bytes: encodeBody(message.kind, message.body) },
    triggerMetadata: metadataOf({
      MessageId: message.messageId,
      DeliveryCount: message.deliveryCount ?? 1,
      EnqueuedTimeUtc: enqueued,
      ExpiresAtUtc: '9999-12-31T23:59:59.9999999Z',
      LockToken: randomUUID(),
      SequenceNumber: 7,
      ContentType: 'application/json',
      SessionId: message.sessionId,
      ApplicationProperties: properties,
      UserProperties: properties,
    }),
  };
}

/** Facts of a blob event. */
export interface BlobEventFacts {
  type: 'created' | 'deleted';
  container: string;
  key: string;
  size?: number;
  etag?: string;
  id?: string;
  schema?: 'event-grid' | 'cloudevents';
}

/** A Microsoft.Storage blob event, in the Event Grid or the CloudEvents schema. */
export function blobEvent(facts: BlobEventFacts): Record<string, unknown> {
  const name = toBlobName(facts.key);
  const encoded = name.split('/').map(encodeURIComponent).join('/');
  const account = 'cloudportdev';
  const created = facts.type === 'created';
  const data: Record<string, unknown> = {
    api: created ? 'PutBlob' : 'DeleteBlob',
    clientRequestId: '4c5dd7fb-2c48-4a27-bb30-5361b5de920a',
    requestId: '9aeb0fdf-c01e-0131-0922-9eb549000000',
    contentType: 'text/csv',
    blobType: 'BlockBlob',
    url: `https://${account}.blob.core.windows.net/${facts.container}/${encoded}`,
    sequencer: '00000000000000000000000000002a3b0000000000c3d4b1',
    storageDiagnostics: { batchId: 'b68529f3-68cd-4744-baa4-3c0498ec19f0' },
  };
  if (created) {
    data.eTag = facts.etag ?? '0x8DE1A4D0F3C4E2A';
    data.contentLength = facts.size ?? 0;
  }
  const source =
    '/subscriptions/5c8f1e2a-0000-4000-8000-000000000000/resourceGroups/etl/providers/' +
    `Microsoft.Storage/storageAccounts/${account}`;
  const subject = `/blobServices/default/containers/${facts.container}/blobs/${name}`;
  const id = facts.id ?? `eg-${facts.type}-${facts.container}-${facts.key}`;
  const eventType = created ? 'Microsoft.Storage.BlobCreated' : 'Microsoft.Storage.BlobDeleted';
  if (facts.schema === 'cloudevents') {
    return {
      source,
      subject,
      type: eventType,
      time: '2026-03-01T10:00:00.5Z',
      id,
      data,
      specversion: '1.0',
    };
  }

  return {
    topic: source,
    subject,
    eventType,
    id,
    data,
    dataVersion: '',
    metadataVersion: '1',
    eventTime: '2026-03-01T10:00:00.5Z',
  };
}

/** The invocation of an Event Grid trigger for one event. */
export function eventGridInvocation(event: unknown): HostInvocation {
  return { data: { json: JSON.stringify(event) } };
}

/** The invocation of a timer trigger for the occurrence due at `time`. */
export function timerInvocation(time: string, isPastDue = false): HostInvocation {
  const last = new Date(Date.parse(time) - 86_400_000).toISOString();
  const timer = {
    Schedule: { AdjustForDST: true },
    ScheduleStatus: { Last: last, Next: time, LastUpdated: last },
    IsPastDue: isPastDue,
  };

  return { data: { json: JSON.stringify(timer) } };
}

/** The invocation of an HTTP trigger for a Web request, as the host routes it to `route`. */
export async function httpInvocation(
  request: Request,
  functionName: string,
): Promise<HostInvocation> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const body = new Uint8Array(await request.arrayBuffer());
  const http = {
    method: request.method,
    url: `${url.origin}/api/${functionName}${url.pathname}${url.search}`,
    headers,
    query: Object.fromEntries(url.searchParams),
    params: {},
    body: body.length > 0 ? { bytes: body } : undefined,
  };

  return { data: { http } };
}

interface RpcCookie {
  name: string;
  value: string;
  path?: { value?: string };
  domain?: { value?: string };
  maxAge?: { value?: number };
  secure?: { value?: boolean };
  httpOnly?: { value?: boolean };
}

/** The Web response the host would send for a handler's HTTP result. */
export function toWebResponse(returnValue: TypedData | undefined): Response {
  const http = returnValue?.http as
    | {
        statusCode?: string;
        headers?: Record<string, string>;
        cookies?: RpcCookie[];
        body?: TypedData;
      }
    | undefined;
  if (!http) return new Response(null, { status: 500 });
  const headers = new Headers(http.headers);
  for (const cookie of http.cookies ?? []) headers.append('set-cookie', serializeCookie(cookie));
  const status = Number(http.statusCode ?? 200);
  const body =
    http.body?.bytes ??
    (http.body?.string === undefined ? undefined : Buffer.from(http.body.string));

  return new Response(status === 204 ? null : ((body as BodyInit | undefined) ?? null), {
    status,
    headers,
  });
}

function serializeCookie(cookie: RpcCookie): string {
  const parts = [`${cookie.name}=${cookie.value}`];
  if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
  if (cookie.maxAge?.value !== undefined) parts.push(`Max-Age=${cookie.maxAge.value}`);
  if (cookie.secure?.value) parts.push('Secure');
  if (cookie.httpOnly?.value) parts.push('HttpOnly');

  return parts.join('; ');
}
