// A Cloud Storage JSON API test server for @google-cloud/storage: buckets, uploads (media,
// multipart, resumable), metadata, ranged downloads with x-goog-hash, listing with page tokens,
// preconditions, rewrite/copy, patch and delete. Not a full emulator: no ACLs, IAM, versioning
// or composition. Point the client at it with `apiEndpoint: server.url` and set
// METADATA_SERVER_DETECTION=none so that the auth library does not probe for a metadata server.
import { createServer } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { BlobWriter } from './blobs.mjs';
import { GcsHttpError, invalid, sendError } from './errors.mjs';
import { ObjectTable, toResource } from './objects.mjs';
import { verifySignedRequest } from './signed-urls.mjs';
import {
  checkHashes,
  conditionsOf,
  describedOf,
  readBody,
  Sessions,
  splitMultipart,
} from './uploads.mjs';

/**
 * @typedef {import('./objects.mjs').Change} Change
 * @typedef {object} GcsServerOptions
 * @property {number} [port] 0 (the default) picks a free port
 * @property {string} [host] defaults to 127.0.0.1
 * @property {string} [dir] keep object content in files here rather than in memory
 * @property {string[]} [buckets] buckets that exist from the start
 * @property {import('node:crypto').KeyObject} [signingKey] public key to check V4 signed URLs
 */

const API = '/storage/v1/b';
const UPLOAD = '/upload/storage/v1/b';

/**
 * Starts the server; `close()` stops it. `changes` receives every finalize, delete and
 * metadata update, shaped like the object resource Cloud Storage notifications carry.
 *
 * @param {GcsServerOptions} [options]
 */
export async function startGcsServer(options = {}) {
  const host = options.host ?? '127.0.0.1';
  /** @type {Set<(change: Change) => void>} */
  const listeners = new Set();
  let url = '';
  const table = new ObjectTable({
    dir: options.dir,
    baseUrl: () => url,
    notify: (change) => {
      for (const listener of listeners) listener(change);
    },
  });
  for (const bucket of options.buckets ?? []) table.createBucket(bucket);
  const sessions = new Sessions(table);
  const context = { table, sessions, url: () => url, signingKey: options.signingKey };
  const server = createServer((req, res) => {
    route(context, req, res).catch((error) => sendError(res, error));
  });
  await new Promise((resolve) => server.listen(options.port ?? 0, host, () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  url = `http://${host}:${address.port}`;

  return {
    url,
    port: address.port,
    table,
    /** @param {(change: Change) => void} listener */
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** @param {string} bucket */
    createBucket: (bucket) => table.createBucket(bucket),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve(undefined));
      }),
  };
}

/**
 * @typedef {{ table: ObjectTable, sessions: Sessions, url: () => string,
 *   signingKey?: import('node:crypto').KeyObject }} Context
 * @param {Context} context
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
async function route(context, req, res) {
  const raw = new URL(req.url ?? '/', 'http://server');
  const path = raw.pathname;
  const query = raw.searchParams;
  const method = req.method ?? 'GET';
  if (path.startsWith(`${UPLOAD}/`)) return upload(context, req, res, path, query);
  if (path === API && method === 'POST') return createBucket(context, req, res);
  if (path.startsWith(`${API}/`)) return api(context, req, res, path, query);
  if (query.has('X-Goog-Signature')) return signed(context, req, res, raw);

  throw new GcsHttpError(404, 'notFound', `No route for ${method} ${path}.`);
}

/** @param {Context} context @param {import('node:http').IncomingMessage} req */
async function createBucket(context, req, res) {
  const json = JSON.parse((await readBody(req)).toString('utf8') || '{}');
  const name = String(json.name ?? '');
  if (!/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(name)) throw invalid(`Bad bucket ${name}.`);
  if (!context.table.createBucket(name)) {
    throw new GcsHttpError(409, 'conflict', `The bucket ${name} already exists.`);
  }
  sendJson(res, 200, { kind: 'storage#bucket', id: name, name, location: 'US' });
}

/**
 * @param {Context} context
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {string} path
 * @param {URLSearchParams} query
 */
async function api(context, req, res, path, query) {
  const { table } = context;
  const parts = path.slice(API.length + 1).split('/');
  const bucket = decode(parts[0] ?? '');
  const method = req.method ?? 'GET';
  if (parts.length === 1) {
    table.objects(bucket);
    return sendJson(res, 200, { kind: 'storage#bucket', id: bucket, name: bucket });
  }
  if (parts[1] !== 'o') throw new GcsHttpError(404, 'notFound', `No route for ${path}.`);
  if (parts.length === 2) return list(context, res, bucket, query);

  const rewrite = parts.findIndex((part) => part === 'rewriteTo' || part === 'copyTo');
  if (rewrite > 0 && method === 'POST') {
    const source = { bucket, name: decode(parts.slice(2, rewrite).join('/')) };
    const target = {
      bucket: decode(parts[rewrite + 2] ?? ''),
      name: decode(parts[rewrite + 4] ?? ''),
    };
    return copy(
      context,
      req,
      res,
      { ...source, generation: query.get('sourceGeneration') ?? undefined },
      target,
      query,
    );
  }
  const name = decode(parts.slice(2).join('/'));
  const conditions = conditionsOf(query);
  if (method === 'DELETE') {
    await table.delete(bucket, name, conditions);
    res.writeHead(204).end();
    return;
  }
  if (method === 'PATCH' || method === 'PUT') {
    const json = JSON.parse((await readBody(req)).toString('utf8') || '{}');
    const object = table.patch(bucket, name, describedOf(json), conditions);
    return sendJson(res, 200, toResource(object, context.url()));
  }
  const object = table.get(bucket, name, conditions);
  const generation = query.get('generation');
  if (generation !== null && generation !== object.generation) {
    throw new GcsHttpError(404, 'notFound', `No such object: ${bucket}/${name}#${generation}`);
  }
  if (query.get('alt') === 'media') return media(req, res, object);

  sendJson(res, 200, toResource(object, context.url()));
}

/**
 * @param {Context} context
 * @param {import('node:http').ServerResponse} res
 * @param {string} bucket
 * @param {URLSearchParams} query
 */
function list(context, res, bucket, query) {
  const maxResults = query.has('maxResults') ? Number(query.get('maxResults')) : undefined;
  const page = context.table.list(bucket, {
    prefix: query.get('prefix') ?? undefined,
    delimiter: query.get('delimiter') ?? undefined,
    pageToken: query.get('pageToken') ?? undefined,
    maxResults,
  });
  sendJson(res, 200, {
    kind: 'storage#objects',
    items: page.items.map((object) => toResource(object, context.url())),
    ...(page.prefixes.length > 0 ? { prefixes: page.prefixes } : {}),
    ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
  });
}

/**
 * Streams an object's bytes, all of them or one `Range`, with the headers the client checks.
 *
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {import('./objects.mjs').StoredObject} object
 */
export async function media(req, res, object) {
  const { size } = object.blob;
  const headers = {
    'content-type': object.described.contentType ?? 'application/octet-stream',
    'x-goog-generation': object.generation,
    'x-goog-metageneration': String(object.metageneration),
    'x-goog-stored-content-encoding': object.described.contentEncoding ?? 'identity',
    'x-goog-stored-content-length': String(size),
    'x-goog-hash': `crc32c=${object.blob.crc32c},md5=${object.blob.md5}`,
    'last-modified': new Date(object.updated).toUTCString(),
    'accept-ranges': 'bytes',
  };
  const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
  let start = 0;
  let end = size - 1;
  let status = 200;
  if (range && (range[1] !== '' || range[2] !== '')) {
    if (range[1] === '') start = Math.max(0, size - Number(range[2]));
    else start = Number(range[1]);
    if (range[1] !== '' && range[2] !== '') end = Math.min(Number(range[2]), size - 1);
    if (start >= size) {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    status = 206;
    headers['content-range'] = `bytes ${start}-${end}/${size}`;
  }
  res.writeHead(status, { ...headers, 'content-length': String(end - start + 1) });
  if (req.method === 'HEAD') return void res.end();

  await pipeline(object.blob.read(start, end), res);
}

/**
 * @param {Context} context
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {{ bucket: string, name: string, generation?: string }} source
 * @param {{ bucket: string, name: string }} target
 * @param {URLSearchParams} query
 */
async function copy(context, req, res, source, target, query) {
  const json = JSON.parse((await readBody(req)).toString('utf8') || '{}');
  const object = await context.table.copy(source, target, describedOf(json), conditionsOf(query));
  const resource = toResource(object, context.url());
  sendJson(res, 200, {
    kind: 'storage#rewriteResponse',
    totalBytesRewritten: resource.size,
    objectSize: resource.size,
    done: true,
    resource,
  });
}

/**
 * @param {Context} context
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {string} path
 * @param {URLSearchParams} query
 */
async function upload(context, req, res, path, query) {
  const bucket = decode(path.slice(UPLOAD.length + 1).split('/')[0] ?? '');
  const type = query.get('uploadType');
  const { table, sessions } = context;
  table.objects(bucket);
  if (type === 'resumable') {
    const id = query.get('upload_id');
    if (id === null) return startSession(context, req, res, bucket, query);
    if (req.method === 'DELETE') {
      await sessions.cancel(id);
      res.writeHead(499).end();
      return;
    }
    const result = await sessions.put(id, req);
    if (typeof result === 'number') {
      const range = result > 0 ? { range: `bytes=0-${result - 1}` } : {};
      res.writeHead(308, { ...range, 'content-length': '0' }).end();
      return;
    }
    return sendJson(res, 200, toResource(result, context.url()));
  }
  const name = query.get('name') ?? '';
  let described = {};
  const writer = new BlobWriter(table.dir);
  if (type === 'multipart') {
    const body = await readBody(req);
    const [meta, media] = splitMultipart(body, String(req.headers['content-type'] ?? ''));
    described = describedOf(JSON.parse(meta?.bytes.toString('utf8') || '{}'));
    await writer.append([/** @type {Buffer} */ (media?.bytes)]);
  } else if (type === 'media') {
    described = { contentType: String(req.headers['content-type'] ?? 'application/octet-stream') };
    await writer.append(req);
  } else {
    throw invalid(`uploadType ${JSON.stringify(type)} is not supported.`);
  }
  const blob = await writer.finish();
  await checkHashes(req.headers, blob);
  const object = await table.commit(bucket, name, blob, described, conditionsOf(query));
  sendJson(res, 200, toResource(object, context.url()));
}

/**
 * @param {Context} context
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {string} bucket
 * @param {URLSearchParams} query
 */
async function startSession(context, req, res, bucket, query) {
  const name = query.get('name') ?? '';
  const json = JSON.parse((await readBody(req)).toString('utf8') || '{}');
  const described = describedOf(json);
  const type = req.headers['x-upload-content-type'];
  if (typeof type === 'string' && !described.contentType) described.contentType = type;
  const length = req.headers['x-upload-content-length'];
  const total = length === undefined ? undefined : Number(length);
  const id = context.sessions.start(bucket, name, described, conditionsOf(query), total);
  const location = new URL(`${context.url()}${UPLOAD}/${encodeURIComponent(bucket)}/o`);
  location.search = new URLSearchParams({
    uploadType: 'resumable',
    name,
    upload_id: id,
  }).toString();
  res.writeHead(200, { location: location.href, 'content-length': '0' }).end();
}

/**
 * A V4 signed URL in path style (`/bucket/object?X-Goog-Signature=...`): GET reads, PUT writes.
 *
 * @param {Context} context
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {URL} url
 */
async function signed(context, req, res, url) {
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const name = decode(rest.join('/'));
  verifySignedRequest(req, url, context.signingKey);
  if (req.method === 'PUT') {
    const writer = new BlobWriter(context.table.dir);
    await writer.append(req);
    const type = String(req.headers['content-type'] ?? 'application/octet-stream');
    await context.table.commit(
      decode(bucket),
      name,
      await writer.finish(),
      { contentType: type },
      {},
    );
    res.writeHead(200, { 'content-length': '0' }).end();
    return;
  }

  await media(req, res, context.table.get(decode(bucket), name));
}

/** @param {string} segment */
function decode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalid(`The path segment ${JSON.stringify(segment)} is not valid percent-encoding.`);
  }
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} value
 */
function sendJson(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
