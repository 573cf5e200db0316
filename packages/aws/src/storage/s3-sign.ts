import type { S3Client } from '@aws-sdk/client-s3';
import { ProviderError } from '@cloudport/core';
import type { PresignerSdk, S3Sdk } from '../sdk.js';

/** What a presigned URL is for. */
export interface SignTarget {
  Bucket: string;
  Key: string;
  method: 'GET' | 'PUT';
  /** The content type a PUT is meant to carry. */
  contentType?: string | undefined;
  expiresIn: number;
}

// Query parameters that would tie a URL to one body: the SDK's flexible checksums.
const CHECKSUM_PARAMETER = /^x-amz-(?:checksum-|sdk-checksum-algorithm$)/i;
const whenRequired = () => Promise.resolve('WHEN_REQUIRED' as const);

/**
 * Presigns a GetObject or PutObject URL without flexible checksums. Since SDK 3.729 the
 * checksum middleware of PutObject adds `x-amz-sdk-checksum-algorithm` and the CRC32 of the
 * (empty, at signing time) body to the URL, so S3 refuses any real content PUT through it;
 * GetObject gains `x-amz-checksum-mode`. The command is resolved with checksum calculation and
 * validation set to `WHEN_REQUIRED`, which neither operation requires, so the middleware adds
 * nothing; the client itself (its credentials, region, endpoint and middleware) is used as
 * given. A URL that still names a checksum is refused rather than handed out broken.
 */
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-dataintegrity.html
export async function presignUrl(
  sdk: S3Sdk,
  presigner: PresignerSdk,
  client: S3Client,
  target: SignTarget,
): Promise<string> {
  const { Bucket, Key, method, contentType, expiresIn } = target;
  const command =
    method === 'PUT'
      ? new sdk.PutObjectCommand({ Bucket, Key, ContentType: contentType })
      : new sdk.GetObjectCommand({ Bucket, Key });
  // The checksum plugins are added to the command's stack as it resolves, with the
  // configuration passed in here, so that is the one place to switch them off.
  const resolve = command.resolveMiddleware.bind(command);
  command.resolveMiddleware = (stack, config, options) =>
    resolve(
      stack,
      {
        ...config,
        requestChecksumCalculation: whenRequired,
        responseChecksumValidation: whenRequired,
      },
      options,
    );
  const url = await presigner.getSignedUrl(client, command, { expiresIn });

  const named = [...new URL(url).searchParams.keys()].find((name) => CHECKSUM_PARAMETER.test(name));
  if (named !== undefined) {
    throw new ProviderError(
      `The presigned ${method} URL for ${JSON.stringify(Key)} carries ${named}, which would ` +
        'make S3 check every upload against the empty body; use @aws-sdk/client-s3 and ' +
        '@aws-sdk/s3-request-presigner versions whose checksum middleware honours ' +
        'requestChecksumCalculation.',
      { provider: 'aws' },
    );
  }

  return url;
}
