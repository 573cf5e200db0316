// The buckets and objects of the test server: generations, preconditions, listing order and
// the resource JSON @google-cloud/storage reads. Every change is one synchronous step after the
// content is staged, so concurrent writers race exactly as they do on Cloud Storage.
import { copyBlob } from './blobs.mjs';
import { conditionNotMet, invalid, noBucket, notFound } from './errors.mjs';

/**
 * @typedef {import('./blobs.mjs').Blob} Blob
 * @typedef {{ ifGenerationMatch?: string, ifGenerationNotMatch?: string,
 *   ifMetagenerationMatch?: string, ifMetagenerationNotMatch?: string }} Conditions
 * @typedef {{ contentType?: string, metadata?: Record<string, string> | null,
 *   contentEncoding?: string, cacheControl?: string, contentDisposition?: string,
 *   contentLanguage?: string }} Described
 * @typedef {object} StoredObject
 * @property {string} bucket
 * @property {string} name
 * @property {string} generation
 * @property {number} metageneration
 * @property {Blob} blob
 * @property {Described} described
 * @property {string} created
 * @property {string} updated
 * @property {(change: Change) => void} [notify]
 * @typedef {{ type: 'finalized' | 'deleted' | 'metadataUpdated', resource: object }} Change
 */

const ACME = '.well-known/acme-challenge/';
let lastGeneration = 0;

/** Generations grow like Cloud Storage's: microseconds since the epoch, never repeating. */
function nextGeneration() {
  lastGeneration = Math.max(lastGeneration + 1, Date.now() * 1000);

  return String(lastGeneration);
}

/**
 * Refuses names Cloud Storage refuses: empty, over 1,024 bytes, with CR or LF, `.` or `..`,
 * or under `.well-known/acme-challenge/`.
 *
 * @param {string} name
 */
export function checkObjectName(name) {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0 || bytes > 1024) {
    throw invalid(`The object name must be 1 to 1024 bytes of UTF-8; it has ${bytes}.`);
  }
  if (/[\r\n]/.test(name)) throw invalid('Object names cannot contain CR or LF characters.');
  if (name === '.' || name === '..') throw invalid(`The object name ${name} is not allowed.`);
  if (name.startsWith(ACME)) throw invalid(`Object names cannot start with ${ACME}.`);
}

/**
 * Checks preconditions against the current object (or its absence).
 *
 * @param {StoredObject | undefined} current
 * @param {Conditions} conditions
 */
export function checkConditions(current, conditions) {
  const generation = current?.generation ?? '0';
  const { ifGenerationMatch, ifGenerationNotMatch } = conditions;
  const { ifMetagenerationMatch, ifMetagenerationNotMatch } = conditions;
  if (ifGenerationMatch !== undefined && ifGenerationMatch !== generation) throw conditionNotMet();
  if (ifGenerationNotMatch !== undefined && ifGenerationNotMatch === generation) {
    throw conditionNotMet();
  }
  const metageneration = String(current?.metageneration ?? 0);
  if (ifMetagenerationMatch !== undefined && ifMetagenerationMatch !== metageneration) {
    throw conditionNotMet();
  }
  if (ifMetagenerationNotMatch !== undefined && ifMetagenerationNotMatch === metageneration) {
    throw conditionNotMet();
  }
}

/**
 * The object resource of the JSON API, with int64 fields as strings as the API sends them.
 *
 * @param {StoredObject} object
 * @param {string} baseUrl
 */
export function toResource(object, baseUrl) {
  const { bucket, name, generation, metageneration, blob, described } = object;
  const path = `${encodeURIComponent(bucket)}/o/${encodeURIComponent(name)}`;
  const etag = Buffer.from(`${generation}/${metageneration}`).toString('base64');

  return {
    kind: 'storage#object',
    id: `${bucket}/${name}/${generation}`,
    selfLink: `${baseUrl}/storage/v1/b/${path}`,
    mediaLink: `${baseUrl}/download/storage/v1/b/${path}?generation=${generation}&alt=media`,
    name,
    bucket,
    generation,
    metageneration: String(metageneration),
    contentType: described.contentType ?? 'application/octet-stream',
    ...(described.contentEncoding ? { contentEncoding: described.contentEncoding } : {}),
    ...(described.cacheControl ? { cacheControl: described.cacheControl } : {}),
    ...(described.contentDisposition ? { contentDisposition: described.contentDisposition } : {}),
    ...(described.contentLanguage ? { contentLanguage: described.contentLanguage } : {}),
    storageClass: 'STANDARD',
    size: String(blob.size),
    md5Hash: blob.md5,
    crc32c: blob.crc32c,
    etag,
    timeCreated: object.created,
    updated: object.updated,
    timeStorageClassUpdated: object.created,
    ...(described.metadata ? { metadata: { ...described.metadata } } : {}),
  };
}

/** Every bucket the server holds, and the objects in each. */
export class ObjectTable {
  /**
   * @param {{ dir?: string, baseUrl: () => string, notify?: (change: Change) => void }} options
   */
  constructor(options) {
    this.dir = options.dir;
    this.baseUrl = options.baseUrl;
    this.notify = options.notify;
    /** @type {Map<string, Map<string, StoredObject>>} */
    this.buckets = new Map();
    /** @type {Map<string, string[]>} names in listing order, dropped on every change */
    this.sorted = new Map();
  }

  /** @param {string} bucket */
  createBucket(bucket) {
    if (this.buckets.has(bucket)) return false;
    this.buckets.set(bucket, new Map());
    return true;
  }

  /** @param {string} bucket */
  objects(bucket) {
    const objects = this.buckets.get(bucket);
    if (!objects) throw noBucket(bucket);

    return objects;
  }

  /**
   * @param {string} bucket
   * @param {string} name
   * @param {Conditions} [conditions]
   */
  get(bucket, name, conditions = {}) {
    const object = this.objects(bucket).get(name);
    if (!object) throw notFound(bucket, name);
    checkConditions(object, conditions);

    return object;
  }

  /**
   * Makes staged content the object's new generation, if the preconditions still hold.
   *
   * @param {string} bucket
   * @param {string} name
   * @param {Blob} blob
   * @param {Described} described
   * @param {Conditions} conditions
   */
  async commit(bucket, name, blob, described, conditions) {
    checkObjectName(name);
    const objects = this.objects(bucket);
    const previous = objects.get(name);
    try {
      checkConditions(previous, conditions);
    } catch (error) {
      await blob.discard();
      throw error;
    }
    const now = new Date().toISOString();
    /** @type {StoredObject} */
    const object = {
      bucket,
      name,
      generation: nextGeneration(),
      metageneration: 1,
      blob,
      described,
      created: now,
      updated: now,
    };
    objects.set(name, object);
    if (previous) this.#emit('deleted', previous);
    this.#emit('finalized', object);
    await previous?.blob.discard();

    return object;
  }

  /**
   * @param {string} bucket
   * @param {string} name
   * @param {Conditions} conditions
   */
  async delete(bucket, name, conditions) {
    const object = this.get(bucket, name, conditions);
    this.objects(bucket).delete(name);
    this.#emit('deleted', object);
    await object.blob.discard();
  }

  /**
   * Replaces the content type and metadata of the current generation.
   *
   * @param {string} bucket
   * @param {string} name
   * @param {Described} patch
   * @param {Conditions} conditions
   */
  patch(bucket, name, patch, conditions) {
    const object = this.get(bucket, name, conditions);
    object.described = { ...object.described, ...patch };
    object.metageneration += 1;
    object.updated = new Date().toISOString();
    this.#emit('metadataUpdated', object);

    return object;
  }

  /**
   * Copies an object. As on Cloud Storage, a destination resource in the request describes the
   * copy on its own: given any field, the copy has exactly the fields given (a missing content
   * type is the default one, missing metadata is none); given none, the copy has the source's.
   *
   * @see https://cloud.google.com/storage/docs/json_api/v1/objects/rewrite
   * @param {{ bucket: string, name: string, generation?: string }} source
   * @param {{ bucket: string, name: string }} target
   * @param {Described} destination the fields of the request's object resource
   * @param {Conditions} conditions on the target
   */
  async copy(source, target, destination, conditions) {
    checkObjectName(target.name);
    this.objects(target.bucket);
    const from = this.get(source.bucket, source.name);
    if (source.generation !== undefined && source.generation !== from.generation) {
      throw notFound(source.bucket, source.name);
    }
    checkConditions(this.objects(target.bucket).get(target.name), conditions);
    const blob = await copyBlob(from.blob, this.dir);

    const described = Object.keys(destination).length > 0 ? destination : from.described;

    return this.commit(target.bucket, target.name, blob, { ...described }, conditions);
  }

  /**
   * One page of a listing in UTF-8 byte order of the names.
   *
   * @param {string} bucket
   * @param {{ prefix?: string, delimiter?: string, maxResults?: number, pageToken?: string }} q
   */
  list(bucket, q) {
    const prefix = q.prefix ?? '';
    const after = q.pageToken ? Buffer.from(q.pageToken, 'base64url').toString('utf8') : undefined;
    const limit = Math.min(Math.max(q.maxResults ?? 1000, 1), 1000);
    const names = this.#sortedNames(bucket);
    let index = after === undefined ? 0 : firstAfter(names, after);
    const items = [];
    const prefixes = new Set();
    let last;
    for (; index < names.length; index++) {
      const name = /** @type {string} */ (names[index]);
      if (!name.startsWith(prefix)) {
        if (compare(name, prefix) > 0) break;
        continue;
      }
      if (items.length + prefixes.size >= limit) break;
      last = name;
      const cut = q.delimiter ? name.indexOf(q.delimiter, prefix.length) : -1;
      if (cut >= 0) prefixes.add(name.slice(0, cut + (q.delimiter ?? '').length));
      else items.push(this.get(bucket, name));
    }
    const more = index < names.length && /** @type {string} */ (names[index]).startsWith(prefix);

    return {
      items,
      prefixes: [...prefixes],
      nextPageToken: more ? Buffer.from(/** @type {string} */ (last)).toString('base64url') : '',
    };
  }

  /** @param {string} bucket */
  #sortedNames(bucket) {
    let names = this.sorted.get(bucket);
    if (!names) {
      const withBytes = [...this.objects(bucket).keys()].map((name) => [Buffer.from(name), name]);
      withBytes.sort((a, b) =>
        Buffer.compare(/** @type {Buffer} */ (a[0]), /** @type {Buffer} */ (b[0])),
      );
      names = withBytes.map((pair) => /** @type {string} */ (pair[1]));
      this.sorted.set(bucket, names);
    }

    return names;
  }

  /**
   * @param {Change['type']} type
   * @param {StoredObject} object
   */
  #emit(type, object) {
    this.sorted.delete(object.bucket);
    this.notify?.({ type, resource: toResource(object, this.baseUrl()) });
  }
}

/**
 * The index of the first name sorting after `after`, by binary search.
 *
 * @param {string[]} names
 * @param {string} after
 */
function firstAfter(names, after) {
  let low = 0;
  let high = names.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (compare(/** @type {string} */ (names[middle]), after) > 0) high = middle;
    else low = middle + 1;
  }

  return low;
}

/** @param {string} a @param {string} b */
function compare(a, b) {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
