// Checks V4 signed URLs (GOOG4-RSA-SHA256, query-string form) the way Cloud Storage does: it
// rebuilds the canonical request from what arrived, hashes it into the string to sign and
// verifies the hex signature with the signer's public key. Only the `host` header may be signed.
import { createHash, createVerify } from 'node:crypto';
import { GcsHttpError } from './errors.mjs';

/**
 * Throws 403 unless the request carries a valid, unexpired V4 signature by `publicKey`'s owner.
 *
 * @param {import('node:http').IncomingMessage} req
 * @param {URL} url
 * @param {import('node:crypto').KeyObject | undefined} publicKey
 */
export function verifySignedRequest(req, url, publicKey) {
  const query = url.searchParams;
  const refuse = (why) => new GcsHttpError(403, 'forbidden', `Signed URL refused: ${why}.`);
  if (!publicKey) throw refuse('the server was started without a signing key');
  if (query.get('X-Goog-Algorithm') !== 'GOOG4-RSA-SHA256') throw refuse('unknown algorithm');
  const date = query.get('X-Goog-Date') ?? '';
  const expires = Number(query.get('X-Goog-Expires'));
  const signedAt = Date.parse(
    date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  if (Number.isNaN(signedAt) || !(expires > 0)) throw refuse('no valid date or expiry');
  if (Date.now() > signedAt + expires * 1000) throw refuse('it has expired');
  const signedHeaders = query.get('X-Goog-SignedHeaders') ?? '';
  if (signedHeaders !== 'host') throw refuse(`unsupported signed headers ${signedHeaders}`);

  const canonicalQuery = [...query.entries()]
    .filter(([key]) => key !== 'X-Goog-Signature')
    .map(([key, value]) => [strictEncode(key), strictEncode(value)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
  const canonicalRequest = [
    req.method,
    url.pathname,
    canonicalQuery,
    `host:${host}\n`,
    signedHeaders,
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const credential = query.get('X-Goog-Credential') ?? '';
  const scope = credential.slice(credential.indexOf('/') + 1);
  const hash = createHash('sha256').update(canonicalRequest).digest('hex');
  const toSign = ['GOOG4-RSA-SHA256', date, scope, hash].join('\n');
  const signature = Buffer.from(query.get('X-Goog-Signature') ?? '', 'hex');
  if (!createVerify('RSA-SHA256').update(toSign).verify(publicKey, signature)) {
    throw refuse('the signature does not match');
  }
}

/** Percent-encodes everything but unreserved characters (RFC 3986). */
function strictEncode(text) {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
