import type { BlockBlobClient } from '@azure/storage-blob';
import { InvalidConfigError, type SignedUrlOptions, UnsupportedError } from '@cloudport/core';
import { loadStorageBlob } from '../sdk.js';
import { expirySeconds } from './blob-checks.js';

// Clock skew allowance: the signature is valid from a little before now.
const START_SKEW_MS = 5 * 60 * 1000;

/**
 * Signs a service SAS URL for one blob with the client's shared key: `GET` grants read, `PUT`
 * grants create and write (the uploader sends `x-ms-blob-type: BlockBlob`). For a `GET`,
 * `contentType` is the type the download is served with. A client that signs in with a token
 * credential has no key, so the call raises `UNSUPPORTED` (user delegation SAS is not offered).
 */
export async function blobSignedUrl(
  blob: BlockBlobClient,
  key: string,
  options: SignedUrlOptions,
): Promise<string> {
  const method = options.method ?? 'GET';
  if (method !== 'GET' && method !== 'PUT') {
    throw new InvalidConfigError(`signedUrl method ${JSON.stringify(method)} must be GET or PUT.`, {
      provider: 'azure',
    });
  }
  const seconds = expirySeconds(options.expiresInSeconds);
  const sdk = await loadStorageBlob();
  if (!(blob.credential instanceof sdk.StorageSharedKeyCredential)) {
    throw new UnsupportedError(
      'store.signed-url',
      `the client of ${JSON.stringify(key)} has no shared key to sign with; give the store a ` +
        'connection string with an AccountKey, or a client built with ' +
        'StorageSharedKeyCredential.',
      { provider: 'azure' },
    );
  }
  const now = Date.now();

  return blob.generateSasUrl({
    permissions: sdk.BlobSASPermissions.parse(method === 'PUT' ? 'cw' : 'r'),
    startsOn: new Date(now - START_SKEW_MS),
    expiresOn: new Date(now + seconds * 1000),
    contentType: method === 'GET' ? options.contentType : undefined,
  });
}
