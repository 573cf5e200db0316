import {
  type BucketRef,
  currentResolver,
  isCloudportError,
  listAll,
  type PutOptions,
  readAll,
} from '@cloudport/core';
import { toJson } from './derive.js';

/** A JSON document and the ETag of the version read. */
export interface Versioned<T> {
  value: T;
  etag: string;
}

/** Reads a JSON document, or undefined when there is none. */
export async function readJson<T>(ref: BucketRef, key: string): Promise<T | undefined> {
  return (await readVersioned<T>(ref, key))?.value;
}

/** Reads a JSON document with its ETag, for a later `ifMatch` write. */
export async function readVersioned<T>(
  ref: BucketRef,
  key: string,
): Promise<Versioned<T> | undefined> {
  try {
    const { info, body } = await ref.get(key);
    const text = (await readAll(body)).toString('utf8');
    return { value: JSON.parse(text) as T, etag: info.etag };
  } catch (error) {
    if (isCloudportError(error, 'OBJECT_NOT_FOUND')) return undefined;
    throw error;
  }
}

/** True when the object exists. */
export async function exists(ref: BucketRef, key: string): Promise<boolean> {
  try {
    await ref.head(key);
    return true;
  } catch (error) {
    if (isCloudportError(error, 'OBJECT_NOT_FOUND')) return false;
    throw error;
  }
}

/**
 * Writes a JSON document under a precondition (create-only or if-match). Returns false when
 * the precondition failed, that is when another writer got there first.
 */
export async function putJsonIf(
  ref: BucketRef,
  key: string,
  value: unknown,
  precondition: Pick<PutOptions, 'createOnly' | 'ifMatch'>,
): Promise<boolean> {
  try {
    await ref.put(key, toJson(value), { ...precondition, contentType: 'application/json' });
    return true;
  } catch (error) {
    if (isCloudportError(error, 'PRECONDITION_FAILED')) return false;
    throw error;
  }
}

/** Writes a JSON document only if the key is free; false means it was already there. */
export function putJsonOnce(ref: BucketRef, key: string, value: unknown): Promise<boolean> {
  return putJsonIf(ref, key, value, { createOnly: true });
}

/** Every key under a prefix, in key order, page after page. */
export async function* listKeys(ref: BucketRef, prefix: string): AsyncGenerator<string> {
  // listAll takes an ObjectStore, so it goes through the store bound to this bucket.
  for await (const info of listAll(currentResolver().store(ref.name), prefix)) yield info.key;
}
