// The three upload types of the JSON API: `media` (bytes only), `multipart` (a JSON part, then
// the bytes) and `resumable` (a session created by POST, filled by one or more PUTs with
// `Content-Range`, answered 308 with `Range` until the last byte is in).
import { randomUUID } from 'node:crypto';
import { BlobWriter } from './blobs.mjs';
import { GcsHttpError, invalid } from './errors.mjs';
import { checkConditions, checkObjectName } from './objects.mjs';

/**
 * @typedef {import('./objects.mjs').ObjectTable} ObjectTable
 * @typedef {import('./objects.mjs').Conditions} Conditions
 * @typedef {import('./objects.mjs').Described} Described
 * @typedef {{ bucket: string, name: string, described: Described, conditions: Conditions,
 *   writer: BlobWriter, total?: number }} Session
 */

const CONDITION_KEYS = [
  'ifGenerationMatch',
  'ifGenerationNotMatch',
  'ifMetagenerationMatch',
  'ifMetagenerationNotMatch',
];

/**
 * The preconditions named in a query string.
 *
 * @param {URLSearchParams} query
 * @returns {Conditions}
 */
export function conditionsOf(query) {
  /** @type {Record<string, string>} */
  const conditions = {};
  for (const key of CONDITION_KEYS) {
    const value = query.get(key);
    if (value !== null) conditions[key] = value;
  }

  return conditions;
}

/**
 * The fields of an object resource the server keeps from a client's JSON.
 *
 * @param {Record<string, unknown>} json
 * @returns {Described}
 */
export function describedOf(json) {
  /** @type {Described} */
  const described = {};
  if (typeof json.contentType === 'string') described.contentType = json.contentType;
  if (typeof json.contentEncoding === 'string') described.contentEncoding = json.contentEncoding;
  if (typeof json.cacheControl === 'string') described.cacheControl = json.cacheControl;
  if (typeof json.contentDisposition === 'string') {
    described.contentDisposition = json.contentDisposition;
  }
  if (typeof json.contentLanguage === 'string') described.contentLanguage = json.contentLanguage;
  if (json.metadata === null) described.metadata = null;
  else if (typeof json.metadata === 'object' && json.metadata) {
    described.metadata = Object.fromEntries(
      Object.entries(json.metadata).map(([key, value]) => [key, String(value)]),
    );
  }

  return described;
}

/** @param {AsyncIterable<Buffer>} source */
export async function readBody(source) {
  const chunks = [];
  for await (const chunk of source) chunks.push(chunk);

  return Buffer.concat(chunks);
}

/**
 * Splits a `multipart/related` body into its parts' headers and bytes.
 *
 * @param {Buffer} body
 * @param {string} contentType
 */
export function splitMultipart(body, contentType) {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) throw invalid('A multipart upload needs a boundary in its Content-Type.');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, split).toString('utf8');
    parts.push({ head, bytes: part.subarray(split + 4) });
    at = next;
  }
  if (parts.length !== 2) throw invalid(`A multipart upload needs 2 parts, got ${parts.length}.`);

  return parts;
}

/**
 * Checks the `X-Goog-Hash` a client sent against what the server computed.
 *
 * @param {import('node:http').IncomingHttpHeaders} headers
 * @param {import('./blobs.mjs').Blob} blob
 */
export async function checkHashes(headers, blob) {
  const sent = String(headers['x-goog-hash'] ?? '');
  for (const pair of sent.split(',').filter(Boolean)) {
    const cut = pair.indexOf('=');
    const kind = pair.slice(0, cut).trim();
    const value = pair.slice(cut + 1).trim();
    const actual = kind === 'crc32c' ? blob.crc32c : kind === 'md5' ? blob.md5 : value;
    if (actual === value) continue;
    await blob.discard();
    throw invalid(`Provided ${kind} ${value} does not match the calculated ${actual}.`);
  }
}

/** Resumable upload sessions by id. */
export class Sessions {
  /** @param {ObjectTable} table */
  constructor(table) {
    this.table = table;
    /** @type {Map<string, Session>} */
    this.open = new Map();
  }

  /**
   * Starts a session; preconditions are checked now and again when it completes.
   *
   * @param {string} bucket
   * @param {string} name
   * @param {Described} described
   * @param {Conditions} conditions
   * @param {number | undefined} total from X-Upload-Content-Length
   */
  start(bucket, name, described, conditions, total) {
    checkObjectName(name);
    checkConditions(this.table.objects(bucket).get(name), conditions);
    const id = randomUUID();
    const writer = new BlobWriter(this.table.dir);
    this.open.set(id, { bucket, name, described, conditions, writer, total });

    return id;
  }

  /**
   * Takes one PUT of a session. Returns the stored object once the last byte is in, else the
   * number of bytes persisted so far (for the 308 answer).
   *
   * @param {string} id
   * @param {import('node:http').IncomingMessage} req
   */
  async put(id, req) {
    const session = this.open.get(id);
    if (!session) throw new GcsHttpError(404, 'notFound', `No upload session ${id}.`);
    const range = parseContentRange(String(req.headers['content-range'] ?? 'bytes */*'));
    if (range.total !== undefined) session.total = range.total;
    const received = session.writer.size;
    if (range.start !== undefined) {
      if (range.start > received) {
        throw new GcsHttpError(400, 'invalid', `Chunk starts at ${range.start}, ${received} in.`);
      }
      await session.writer.append(req, received - range.start);
    } else {
      await readBody(req);
    }
    const done =
      session.total === undefined
        ? range.start !== undefined && range.end === undefined
        : session.writer.size >= session.total;
    if (!done) return session.writer.size;

    this.open.delete(id);
    const blob = await session.writer.finish();
    await checkHashes(req.headers, blob);
    const { bucket, name, described, conditions } = session;

    return this.table.commit(bucket, name, blob, described, conditions);
  }

  /** @param {string} id */
  async cancel(id) {
    const session = this.open.get(id);
    this.open.delete(id);
    await session?.writer.abandon();
  }
}

/**
 * Reads `bytes A-B/T`, `bytes A-*\/T`, `bytes *\/T` (any part may be `*`).
 *
 * @param {string} header
 * @returns {{ start?: number, end?: number, total?: number }}
 */
function parseContentRange(header) {
  const match = /^bytes (\*|(\d+)-(\d+|\*))\/(\d+|\*)$/.exec(header.trim());
  if (!match) throw invalid(`Content-Range ${JSON.stringify(header)} is not understood.`);
  const number = (text) => (text === undefined || text === '*' ? undefined : Number(text));

  return { start: number(match[2]), end: number(match[3]), total: number(match[4]) };
}
