import { PutBucketNotificationConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { S3Notification } from '@cloudport/aws';

/** The queue a bucket's event notifications are sent to, so that a test can read them. */
export interface NotificationQueue {
  url: string;
  arn: string;
}

/** One notification as S3 sent it: the message body's text, and that text parsed. */
export interface ReceivedNotification {
  body: string;
  notification: S3Notification;
}

/** The key filter of an object trigger, as deploy turns it into S3 filter rules. */
export interface KeyFilter {
  prefix?: string;
  suffix?: string;
}

const WAIT_MS = 10_000;

/**
 * Creates a queue and has S3 send it the bucket's `s3:ObjectCreated:*` notifications for keys
 * the filter takes, the configuration deploy writes for a Lambda function, with a queue as the
 * destination instead, since a test cannot be one.
 */
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html
export async function notifyQueue(
  s3: S3Client,
  sqs: SQSClient,
  bucket: string,
  filter: KeyFilter = {},
): Promise<NotificationQueue> {
  const { QueueUrl: url } = await sqs.send(
    new CreateQueueCommand({ QueueName: `${bucket}-notifications` }),
  );
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = attributes.Attributes?.QueueArn as string;
  const rules = [
    ...(filter.prefix ? [{ Name: 'prefix' as const, Value: filter.prefix }] : []),
    ...(filter.suffix ? [{ Name: 'suffix' as const, Value: filter.suffix }] : []),
  ];

  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            QueueArn: arn,
            Events: ['s3:ObjectCreated:*'],
            ...(rules.length > 0 ? { Filter: { Key: { FilterRules: rules } } } : {}),
          },
        ],
      },
    }),
  );

  return { url: url as string, arn };
}

/**
 * Receives the next event notification from the queue and deletes its message. The
 * `s3:TestEvent` message S3 sends a queue when it is configured is skipped: S3 sends no such
 * message to a Lambda function. Throws when none arrives within 10 seconds.
 */
export async function nextNotification(
  sqs: SQSClient,
  queue: NotificationQueue,
): Promise<ReceivedNotification> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const { Messages: messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: 1,
      }),
    );
    const message = messages[0];
    if (message === undefined) continue;
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle }),
    );
    const body = message.Body as string;
    const parsed = JSON.parse(body) as { Event?: string; Records?: unknown };
    if (parsed.Event === 's3:TestEvent') continue;
    if (!Array.isArray(parsed.Records)) {
      throw new Error(`The notification queue got a message that is no S3 event: ${body}`);
    }

    return { body, notification: parsed as S3Notification };
  }

  throw new Error(`No S3 event notification arrived on ${queue.url} within ${WAIT_MS} ms.`);
}
