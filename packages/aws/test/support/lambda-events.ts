import { createHash } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import {
  EMPTY_STRING_TYPE,
  type HttpEventV2,
  type HttpResultV2,
  type S3Notification,
  type SqsBatch,
  type SqsRecord,
  type SqsRecordAttribute,
} from '@cloudport/aws';
import { type BodyKind, encodeBodyAsText } from '@cloudport/core';

/** The facts of one S3 change, with physical names. */
export interface S3Change {
  type: 'created' | 'deleted';
  bucket: string;
  key: string;
  size?: number;
  etag?: string;
  time?: string;
}

/** Encodes a key the way S3 event notifications do: form encoding, `+` for spaces. */
export function formEncode(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

/** Builds the S3 event notification S3 would send for changes, deterministic per change. */
export function s3Notification(changes: S3Change[], region = 'us-east-1'): S3Notification {
  return {
    Records: changes.map((change) => {
      const created = change.type === 'created';
      const sequencer = createHash('sha1')
        .update(`${change.bucket}/${change.key}/${change.etag ?? ''}/${change.type}`)
        .digest('hex')
        .slice(0, 18)
        .toUpperCase();
      return {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: change.time ?? '2026-01-05T10:00:00.000Z',
        eventName: created ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete',
        s3: {
          bucket: { name: change.bucket, arn: `arn:aws:s3:::${change.bucket}` },
          object: {
            key: formEncode(change.key),
            ...(created ? { size: change.size ?? 0 } : {}),
            ...(created && change.etag ? { eTag: change.etag.replace(/"/g, '') } : {}),
            sequencer,
          },
        },
      };
    }),
  };
}

/** One message as an SQS event source mapping would hand it over. */
export interface SqsDelivery {
  messageId: string;
  /** The body as the queue's kind types it, or the wire text when `wire` is set. */
  body: unknown;
  wire?: boolean;
  attributes?: Record<string, string>;
  deliveryCount?: number;
  groupId?: string;
  sentAt?: number;
  receiptHandle?: string;
}

/** Builds the SQS batch Lambda would receive from a queue. */
export function sqsBatch(queueName: string, kind: BodyKind, messages: SqsDelivery[]): SqsBatch {
  return {
    Records: messages.map((message) => ({
      messageId: message.messageId,
      receiptHandle: message.receiptHandle ?? `receipt-${message.messageId}`,
      body: message.wire ? (message.body as string) : encodeBodyAsText(kind, message.body),
      attributes: {
        ApproximateReceiveCount: String(message.deliveryCount ?? 1),
        SentTimestamp: String(message.sentAt ?? Date.parse('2026-01-05T10:00:00.000Z')),
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
        ...(message.groupId ? { MessageGroupId: message.groupId } : {}),
      },
      messageAttributes: toRecordAttributes(message.attributes ?? {}),
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queueName}`,
      awsRegion: 'us-east-1',
    })),
  };
}

/** Builds the Function URL event Lambda would receive for a Web request. */
export async function functionUrlEvent(request: Request): Promise<HttpEventV2> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    if (name !== 'cookie') headers[name] = value;
  });
  headers.host = url.host;
  const cookie = request.headers.get('cookie');
  const body = Buffer.from(await request.arrayBuffer());

  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookie ? { cookies: cookie.split(/;\s*/) } : {}),
    headers,
    requestContext: {
      requestId: `url-${Date.now()}`,
      domainName: url.host,
      stage: '$default',
      http: { method: request.method, path: url.pathname, sourceIp: '127.0.0.1' },
    },
    ...(body.length > 0 ? { body: body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0,
  };
}

/** Turns a Lambda HTTP result back into the Web response the client would get. */
export function toResponse(result: HttpResultV2): Response {
  const headers = new Headers(result.headers ?? {});
  for (const cookie of result.cookies ?? []) headers.append('set-cookie', cookie);
  const body = result.body
    ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8')
    : null;

  return new Response(body, { status: result.statusCode, headers });
}

function toRecordAttributes(attributes: Record<string, string>) {
  const result: Record<string, SqsRecordAttribute> = {};
  for (const [name, value] of Object.entries(attributes)) {
    result[name] =
      value === ''
        ? { dataType: EMPTY_STRING_TYPE, stringValue: '-' }
        : { dataType: 'String', stringValue: value };
  }

  return result;
}

/** Turns a message received from SQS into the record an event source mapping would pass on. */
export function fromReceived(message: Message, queueArn: string): SqsRecord {
  const messageAttributes: Record<string, SqsRecordAttribute> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : {}),
    };
  }

  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body,
    attributes: { ...message.Attributes },
    messageAttributes,
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(':')[3],
  };
}
