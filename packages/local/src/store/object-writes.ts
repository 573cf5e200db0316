import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, lstat, mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InvalidConfigError, type PutData, type PutOptions, type PutResult } from '@cloudport/core';
import { removeFile, renamePath } from './descriptors.js';
import { contentTypeOf, droppedKey } from './dropped-file.js';
import { syncDirectory } from './folder.js';
import type { ObjectPaths } from './object-files.js';
import { getObject, READ_CHUNK_BYTES } from './object-reads.js';
import { type ChunkSource, toChunkSource } from './put-data.js';
import {
  identityOf,
  isErrno,
  type Sidecar,
  toInfo,
  type VersionRecord,
  writeSidecar,
} from './sidecar.js';
import { type StagedFile, stageWrite } from './staged-write.js';
import type { StoreContext } from './store-context.js';
import { checkPutOptions } from './validate.js';

function normalEtag(etag: string): string {
  return etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
}

function checkPreconditions(
  context: StoreContext,
  key: string,
  current: VersionRecord | undefined,
  options: PutOptions,
): void {
  const { createOnly, ifMatch } = options;
  if (createOnly && current !== undefined) {
    throw context.conflict(
      key,
      `an object already exists (ETag ${current.etag}) and createOnly is set; ` +
        'pick another key, or drop createOnly to replace it.',
    );
  }
  if (ifMatch === undefined) return;
  if (current === undefined) {
    throw context.conflict(
      key,
      `no object exists to match ETag ${ifMatch}; write without ifMatch to create it.`,
    );
  }
  if (normalEtag(current.etag) !== normalEtag(ifMatch)) {
    throw context.conflict(
      key,
      `its ETag is ${current.etag}, not ${ifMatch}; read it again and retry.`,
    );
  }
}

async function makeParents(context: StoreContext, key: string, parent: string): Promise<void> {
  try {
    await mkdir(parent, { recursive: true });
  } catch (error) {
    if (!isErrno(error, 'EEXIST', 'ENOTDIR')) throw error;
    throw new InvalidConfigError(
      `Cannot store ${JSON.stringify(key)} in ${context.bucket}: a file that is not part of ` +
        `the store sits where the key needs the folder ${parent}; move it away or import it.`,
      { provider: 'local', cause: error },
    );
  }
}

async function placeSidecar(
  context: StoreContext,
  paths: ObjectPaths,
  sidecar: Sidecar,
  fresh: boolean,
): Promise<void> {
  const { staging } = await context.ready();
  for (let attempt = 1; ; attempt++) {
    try {
      if (attempt > 1 || !context.knowsFolder(paths.parent)) {
        await makeParents(context, sidecar.key, paths.parent);
        context.rememberFolder(paths.parent);
      }
      const spare = context.takeSpare();
      await writeSidecar(paths.meta, sidecar, staging, { sync: context.sync, fresh, spare });
      context.sidecars.set(paths.meta, sidecar);
      return;
    } catch (error) {
      context.sidecars.delete(paths.meta);
      // A delete of the last object in that folder may have pruned it just now, or someone
      // removed it by hand; either way it is made again.
      context.forgetFolder(paths.parent);
      if (!isErrno(error, 'ENOENT', 'ENOTDIR') || attempt === 3) throw error;
    }
  }
}

/** Makes a staged file the key's current version; runs under the key's lock. */
async function commit(
  context: StoreContext,
  key: string,
  paths: ObjectPaths,
  staged: string,
  file: StagedFile,
  options: PutOptions,
  verify?: () => Promise<void>,
): Promise<PutResult> {
  const current = await context.current(key, paths, true);
  checkPreconditions(context, key, current, options);
  const record: VersionRecord = {
    ...identityOf(file.stats),
    etag: file.etag,
    lastModified: new Date().toISOString(),
    contentType: options.contentType,
    metadata: { ...options.metadata },
  };
  await verify?.();
  await context.notify({ type: 'created', info: toInfo(key, record) });

  // The sidecar keeps the current version's record beside the new one, so readers that
  // opened the old data file still find its metadata until the rename below lands. A key
  // without a data file has no readers to protect, so its sidecar is written in place.
  const versions = current ? [record, current] : [record];
  await placeSidecar(context, paths, { key, versions }, current === undefined);
  try {
    // link() fails with EEXIST if the key appeared meanwhile, making create-only atomic.
    if (options.createOnly) {
      await link(staged, paths.data);
      await removeFile(staged).catch(() => undefined);
    } else {
      await renamePath(staged, paths.data);
    }
  } catch (error) {
    if (options.createOnly && isErrno(error, 'EEXIST')) {
      throw context.conflict(key, 'another writer created it first; pick another key.');
    }
    throw error;
  }
  if (context.sync) await syncDirectory(paths.parent);

  return { key, etag: file.etag };
}

/** Stages the bytes, then checks preconditions and commits under the key's lock. */
async function write(
  context: StoreContext,
  key: string,
  source: ChunkSource,
  options: PutOptions,
  verify?: () => Promise<void>,
): Promise<PutResult> {
  const { staging } = await context.ready();
  const paths = await context.paths(key);
  const { limits } = context;
  let staged: string | undefined;
  try {
    // Fail fast before streaming a large body; the check that counts runs again at commit.
    if (options.createOnly || options.ifMatch !== undefined) {
      checkPreconditions(context, key, await context.current(key, paths, false), options);
    }
    const spare = context.takeSpare();
    const target = spare ?? join(staging, `${randomUUID()}.data`);
    staged = target;
    const file = await stageWrite(target, source, {
      signal: options.signal,
      maxBytes: limits.maxObjectBytes,
      tooLarge: (size) =>
        new InvalidConfigError(
          `The object written to ${JSON.stringify(key)} passed ${size} bytes, over the ` +
            `${limits.profile} limit of ${limits.maxObjectBytes} bytes per object; split it.`,
          { provider: 'local' },
        ),
      sync: context.sync,
      spare: spare !== undefined,
    });

    return await context.locked(key, () =>
      commit(context, key, paths, target, file, options, verify),
    );
  } catch (error) {
    source.discard();
    // A committed write renamed the staged file away; a failed one leaves it to remove.
    if (staged !== undefined) await removeFile(staged).catch(() => undefined);
    throw error;
  }
}

/** Writes an object from any accepted data. */
export async function putObject(
  context: StoreContext,
  key: string,
  data: PutData,
  options: PutOptions,
): Promise<PutResult> {
  context.checkKey(key);
  const checked = checkPutOptions(key, options, context.limits);
  options.signal?.throwIfAborted();

  return write(context, key, toChunkSource(key, data, options.signal), checked);
}

/** Deletes an object; a missing one is fine and records no change. */
export async function deleteObject(context: StoreContext, key: string): Promise<void> {
  context.checkKey(key);
  const paths = await context.paths(key);
  await context.locked(key, async () => {
    const present = await lstat(paths.data).catch(() => undefined);
    if (present === undefined) return;
    await context.notify({ type: 'deleted', key });
    context.sidecars.delete(paths.meta);
    // The data file goes first: a crash in between leaves an orphan sidecar, never an object
    // that comes back with its metadata lost.
    await removeFile(paths.data);
    await removeFile(paths.meta);
    await context.prune(paths.parent);
  });
}

/** Copies an object, keeping its content type and metadata unless the options replace them. */
export async function copyObject(
  context: StoreContext,
  sourceKey: string,
  targetKey: string,
  options: PutOptions,
): Promise<PutResult> {
  context.checkKey(sourceKey);
  context.checkKey(targetKey);
  checkPutOptions(targetKey, options, context.limits);

  const { info, body } = await getObject(context, sourceKey, { signal: options.signal });
  const target: PutOptions = {
    ...options,
    contentType: options.contentType ?? info.contentType,
    metadata: options.metadata ?? info.metadata,
  };
  try {
    const checked = checkPutOptions(targetKey, target, context.limits);
    const source = { chunks: body, owned: true, discard: () => body.destroy() };

    return await write(context, targetKey, source, checked);
  } finally {
    body.destroy();
  }
}

/** Imports a file dropped into the bucket folder as an object, then removes the file. */
export async function importDropped(context: StoreContext, absPath: string): Promise<PutResult> {
  const key = droppedKey(context.dir, absPath, context.bucket);
  context.checkKey(key);
  const before = await stat(absPath, { bigint: true }).catch(() => undefined);
  if (!before?.isFile()) {
    throw new InvalidConfigError(
      `Cannot import ${JSON.stringify(absPath)} into ${context.bucket}: it is not a file ` +
        '(it may have been imported or removed already).',
      { provider: 'local' },
    );
  }
  const unchanged = async (): Promise<void> => {
    const now = await stat(absPath, { bigint: true }).catch(() => undefined);
    const same = now?.ino === before.ino && now.size === before.size;
    if (same && now.mtimeNs === before.mtimeNs) return;
    throw context.conflict(
      key,
      `the dropped file ${absPath} changed while it was imported; import it again once it ` +
        'stops changing.',
    );
  };

  const body = createReadStream(absPath, { highWaterMark: READ_CHUNK_BYTES });
  let result: PutResult;
  try {
    const source = { chunks: body, owned: true, discard: () => body.destroy() };
    result = await write(context, key, source, { contentType: contentTypeOf(key) }, unchanged);
  } finally {
    body.destroy();
  }
  await removeFile(absPath);
  await context.prune(dirname(absPath));

  return result;
}
