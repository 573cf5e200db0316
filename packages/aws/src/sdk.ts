/** The `@aws-sdk/client-s3` module. */
export type S3Sdk = typeof import('@aws-sdk/client-s3');
/** The `@aws-sdk/client-sqs` module. */
export type SqsSdk = typeof import('@aws-sdk/client-sqs');
/** The `@aws-sdk/lib-storage` module. */
export type UploadSdk = typeof import('@aws-sdk/lib-storage');
/** The `@aws-sdk/s3-request-presigner` module. */
export type PresignerSdk = typeof import('@aws-sdk/s3-request-presigner');

let s3: Promise<S3Sdk> | undefined;
let sqs: Promise<SqsSdk> | undefined;
let upload: Promise<UploadSdk> | undefined;
let presigner: Promise<PresignerSdk> | undefined;

// The SDK packages are imported on first use, never at module load: cold start is import
// time, and a function that only decodes SQS events must not pay for the S3 client.

/** Loads `@aws-sdk/client-s3` once. */
export function loadS3(): Promise<S3Sdk> {
  s3 ??= import('@aws-sdk/client-s3');
  return s3;
}

/** Loads `@aws-sdk/client-sqs` once. */
export function loadSqs(): Promise<SqsSdk> {
  sqs ??= import('@aws-sdk/client-sqs');
  return sqs;
}

/** Loads `@aws-sdk/lib-storage` once, for streamed multipart uploads. */
export function loadUpload(): Promise<UploadSdk> {
  upload ??= import('@aws-sdk/lib-storage');
  return upload;
}

/** Loads `@aws-sdk/s3-request-presigner` once, for signed URLs. */
export function loadPresigner(): Promise<PresignerSdk> {
  presigner ??= import('@aws-sdk/s3-request-presigner');
  return presigner;
}
