/**
 * The Lambda event and result shapes the adapter reads and writes, reduced to the fields it
 * uses. Every field is optional where a malformed or foreign event may lack it: the trigger
 * modules check what they read and raise `INVALID_EVENT` naming what is missing.
 */

/** One S3 event notification record. */
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
export interface S3NotificationRecord {
  eventVersion?: string;
  eventSource?: string;
  awsRegion?: string;
  /** ISO 8601 time S3 finished the request. */
  eventTime?: string;
  /** Such as `ObjectCreated:Put` or `ObjectRemoved:Delete`. */
  eventName?: string;
  s3?: {
    bucket?: { name?: string; arn?: string };
    object?: {
      /** Form-encoded: `+` is a space, `%2B` a plus. */
      key?: string;
      /** Absent on `ObjectRemoved:*` records. */
      size?: number;
      /** Without quotes; absent on `ObjectRemoved:*` records. */
      eTag?: string;
      versionId?: string;
      /** Orders events of one key; present for puts and deletes. */
      sequencer?: string;
    };
  };
}

/** An S3 event notification as Lambda receives it. */
export interface S3Notification {
  Records: S3NotificationRecord[];
}

/** One SQS message attribute as the Lambda event carries it. */
// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
export interface SqsRecordAttribute {
  dataType?: string;
  stringValue?: string;
  /** Base64. */
  binaryValue?: string;
}

/** One SQS message of a Lambda batch. */
export interface SqsRecord {
  messageId?: string;
  receiptHandle?: string;
  body?: string;
  /** System attributes; every value is a string, timestamps in epoch milliseconds. */
  attributes?: {
    ApproximateReceiveCount?: string;
    SentTimestamp?: string;
    MessageGroupId?: string;
    MessageDeduplicationId?: string;
    [name: string]: string | undefined;
  };
  messageAttributes?: Record<string, SqsRecordAttribute>;
  eventSource?: string;
  /** `arn:aws:sqs:<region>:<account>:<queue name>`. */
  eventSourceARN?: string;
  awsRegion?: string;
}

/** A batch of SQS messages from an event source mapping. */
export interface SqsBatch {
  Records: SqsRecord[];
}

/** The partial batch response: the messages to deliver again, by message id. */
export interface SqsBatchResult {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** An API Gateway HTTP API (payload format 2.0) or Lambda Function URL request. */
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
export interface HttpEventV2 {
  version?: string;
  routeKey?: string;
  rawPath?: string;
  rawQueryString?: string;
  /** The request's cookies, one `name=value` pair each. */
  cookies?: string[];
  /** Lower-case names; repeated headers joined with commas. */
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: {
    requestId?: string;
    domainName?: string;
    /** `$default`, or the stage name that prefixes `rawPath`. */
    stage?: string;
    http?: { method?: string; path?: string; sourceIp?: string };
  };
}

/** What an HTTP function returns to API Gateway or the Function URL. */
export interface HttpResultV2 {
  statusCode: number;
  headers?: Record<string, string>;
  /** One `Set-Cookie` value each; payload format 2.0 has no multi-value headers. */
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

/** A classic EventBridge scheduled-rule event. */
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html
export interface ScheduledRuleEvent {
  version?: string;
  /** The event id; the same when Lambda retries the invocation. */
  id?: string;
  'detail-type'?: string;
  source?: string;
  time?: string;
  region?: string;
  /** The rule's ARN. */
  resources?: string[];
}

/**
 * The input deploy configures on an EventBridge Scheduler target. Scheduler replaces each
 * `<aws.scheduler.*>` placeholder when it invokes the function:
 *
 * ```json
 * { "cloudport": "schedule", "schedule": "<aws.scheduler.schedule-arn>",
 *   "time": "<aws.scheduler.scheduled-time>", "execution": "<aws.scheduler.execution-id>",
 *   "attempt": "<aws.scheduler.attempt-number>" }
 * ```
 */
// https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html
export interface SchedulerInput {
  cloudport?: string;
  /** The schedule's ARN. */
  schedule?: string;
  /** The time the firing was due, such as `2026-03-01T02:00:00Z`. */
  time?: string;
  /** Differs on every attempt, so it is not part of the event id. */
  execution?: string;
  attempt?: string;
}

/** The input deploy writes on EventBridge Scheduler targets, before Scheduler fills it in. */
export const SCHEDULER_INPUT: Readonly<Required<SchedulerInput>> = {
  cloudport: 'schedule',
  schedule: '<aws.scheduler.schedule-arn>',
  time: '<aws.scheduler.scheduled-time>',
  execution: '<aws.scheduler.execution-id>',
  attempt: '<aws.scheduler.attempt-number>',
};

/** Any event a cloudport Lambda function accepts. */
export type LambdaEvent =
  | S3Notification
  | SqsBatch
  | HttpEventV2
  | ScheduledRuleEvent
  | SchedulerInput;

/** Any result a cloudport Lambda function returns; object and schedule functions return none. */
export type LambdaResult = SqsBatchResult | HttpResultV2 | undefined;

/** The parts of the Lambda context object the adapter reads. */
export interface LambdaContext {
  awsRequestId: string;
  functionName?: string;
  getRemainingTimeInMillis(): number;
}
