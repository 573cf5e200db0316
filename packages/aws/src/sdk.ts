import { InvalidConfigError } from '@cloudport/core';

/** The `@aws-sdk/client-s3` module. */
export type S3Sdk = typeof import('@aws-sdk/client-s3');
/** The `@aws-sdk/client-sqs` module. */
export type SqsSdk = typeof import('@aws-sdk/client-sqs');
/** The `@aws-sdk/lib-storage` module. */
export type UploadSdk = typeof import('@aws-sdk/lib-storage');
/** The `@aws-sdk/s3-request-presigner` module. */
export type PresignerSdk = typeof import('@aws-sdk/s3-request-presigner');

/** The version range of the AWS SDK peers, as the package manifest declares it. */
const SDK_RANGE = '^3.1178.0';

// The SDK packages are imported on first use, never at module load: cold start is import
// time, and a function that only decodes SQS events must not pay for the S3 client. All four
// are optional peers, so a missing one is reported when the first call needs it. The import
// specifiers stay literal so that bundlers can follow them.

/** Loads `@aws-sdk/client-s3` once. */
export const loadS3: () => Promise<S3Sdk> = peer(
  '@aws-sdk/client-s3',
  'The S3 store',
  () => import('@aws-sdk/client-s3'),
);

/** Loads `@aws-sdk/client-sqs` once. */
export const loadSqs: () => Promise<SqsSdk> = peer(
  '@aws-sdk/client-sqs',
  'The SQS queue',
  () => import('@aws-sdk/client-sqs'),
);

/** Loads `@aws-sdk/lib-storage` once, for streamed multipart uploads. */
export const loadUpload: () => Promise<UploadSdk> = peer(
  '@aws-sdk/lib-storage',
  'A streamed write to the S3 store',
  () => import('@aws-sdk/lib-storage'),
);

/** Loads `@aws-sdk/s3-request-presigner` once, for signed URLs. */
export const loadPresigner: () => Promise<PresignerSdk> = peer(
  '@aws-sdk/s3-request-presigner',
  'A signed URL of the S3 store',
  () => import('@aws-sdk/s3-request-presigner'),
);

/**
 * Turns the failed import of an AWS SDK peer into `INVALID_CONFIG` naming the package to
 * install (or, when the peer is there but cannot find a package of its own, the one it lacks);
 * any other failure is returned unchanged.
 */
export function toMissingPeerError(error: unknown, pkg: string, user: string): unknown {
  const missing = missingPackageOf(error);
  if (missing === undefined) return error;
  const install = `npm install ${pkg}@"${SDK_RANGE}"`;
  const detail =
    missing === pkg
      ? `the package ${pkg}, which is not installed: add it beside @cloudport/aws (${install})`
      : `the package ${pkg}, which cannot load ${missing}: reinstall it (${install})`;

  return new InvalidConfigError(
    `${user} needs ${detail}. A bundle that leaves @aws-sdk/* external must find it at run ` +
      'time, in the function package or a layer.',
    { provider: 'aws', cause: error },
  );
}

/** A loader that imports a peer once; a failed import is not kept, so a later call tries again. */
function peer<T>(pkg: string, user: string, load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;

  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw toMissingPeerError(error, pkg, user);
    });
    return pending;
  };
}

// Node names the package it could not find in the message; loaders and bundlers may wrap that
// error, so the chain of causes is searched too.
const NOT_FOUND = /Cannot find (?:package|module) '((?:@[^/']+\/)?[^/']+)/;

function missingPackageOf(error: unknown): string | undefined {
  let link = error;
  for (let depth = 0; link !== null && typeof link === 'object' && depth < 5; depth += 1) {
    const { code, message, cause } = link as { code?: unknown; message?: unknown; cause?: unknown };
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      const named = typeof message === 'string' ? NOT_FOUND.exec(message)?.[1] : undefined;
      if (named !== undefined) return named;
    }
    link = cause;
  }

  return undefined;
}

/** A client the user gave, as itself or as a factory, or else one made on first use. */
export function resolveClient<C>(
  given: C | (() => Promise<C>) | undefined,
  make: () => Promise<C>,
): Promise<C> {
  if (typeof given === 'function') return (given as () => Promise<C>)();

  return given ? Promise.resolve(given) : make();
}
