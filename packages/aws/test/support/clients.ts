import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** An S3 client for a local test server: path-style URLs, test credentials. */
export function s3ClientFor(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
}

/** An SQS client for a local test server. */
export function sqsClientFor(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: 'us-east-1', credentials });
}

let counter = 0;

/** A new, empty bucket with a unique name. */
export async function createBucket(client: S3Client, prefix = 'cloudport-test'): Promise<string> {
  counter += 1;
  const name = `${prefix}-${Date.now().toString(36)}-${process.pid}-${counter}`;
  await client.send(new CreateBucketCommand({ Bucket: name }));

  return name;
}

/** Deletes every object of a bucket, then the bucket. */
export async function removeBucket(client: S3Client, bucket: string): Promise<void> {
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    );
    const keys = (page.Contents ?? []).map((item) => ({ Key: item.Key }));
    if (keys.length > 0) {
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}
