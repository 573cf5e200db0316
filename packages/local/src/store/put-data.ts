import { addAbortSignal, type Readable } from 'node:stream';
import { InvalidConfigError, type PutData } from '@cloudport/core';

/**
 * The bytes of a write as a sequence of chunks. `owned` is true when the producer hands each
 * chunk over and never touches it again (Node and Web streams, single buffers), so the writer
 * may keep a reference while it pulls the next chunk; other iterables may reuse their buffers.
 */
export interface ChunkSource {
  chunks: AsyncIterable<Uint8Array>;
  owned: boolean;
  /** Releases the underlying stream when the write fails before reading it to the end. */
  discard(): void;
}

function isNodeReadable(data: unknown): data is Readable {
  const candidate = data as Readable;

  return (
    typeof candidate?.pipe === 'function' &&
    typeof candidate.on === 'function' &&
    typeof candidate[Symbol.asyncIterator] === 'function'
  );
}

function isWebStream(data: unknown): data is ReadableStream<Uint8Array> {
  return typeof (data as ReadableStream | undefined)?.getReader === 'function';
}

function isAsyncIterable(data: unknown): data is AsyncIterable<unknown> {
  return typeof (data as AsyncIterable<unknown> | undefined)?.[Symbol.asyncIterator] === 'function';
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;

  return value.constructor?.name ?? 'object';
}

/** Checks each chunk is bytes; strings (a stream with an encoding set) become UTF-8 bytes. */
async function* toBytes(chunks: AsyncIterable<unknown>, key: string): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    if (chunk instanceof Uint8Array) {
      yield chunk;
    } else if (typeof chunk === 'string') {
      yield Buffer.from(chunk, 'utf8');
    } else {
      throw new InvalidConfigError(
        `The data written to ${JSON.stringify(key)} produced a chunk of type ` +
          `${typeName(chunk)}; streams and iterables must yield Uint8Array (or Buffer) chunks.`,
        { provider: 'local' },
      );
    }
  }
}

async function* readWeb(stream: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const reader = stream.getReader();
  let done = false;
  try {
    while (true) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/**
 * Turns any accepted {@link PutData} into a chunk source; an abort signal destroys a Node
 * stream at once and stops other sources at the next chunk.
 */
export function toChunkSource(key: string, data: PutData, signal?: AbortSignal): ChunkSource {
  const nothing = () => undefined;
  if (typeof data === 'string') {
    return { chunks: once(Buffer.from(data, 'utf8')), owned: true, discard: nothing };
  }
  if (data instanceof Uint8Array) return { chunks: once(data), owned: true, discard: nothing };
  if (isNodeReadable(data)) {
    if (signal) addAbortSignal(signal, data);
    // A byte stream without an encoding yields only Buffers; skip the checking layer then.
    const bytes = !data.readableObjectMode && data.readableEncoding === null;
    const chunks = bytes ? (data as AsyncIterable<Uint8Array>) : toBytes(data, key);
    return { chunks, owned: true, discard: () => data.destroy() };
  }
  if (isWebStream(data)) {
    const discard = () => {
      if (!data.locked) data.cancel().catch(nothing);
    };
    return { chunks: toBytes(readWeb(data), key), owned: true, discard };
  }
  if (isAsyncIterable(data)) return { chunks: toBytes(data, key), owned: false, discard: nothing };

  throw new InvalidConfigError(
    `Cannot write ${typeName(data)} to ${JSON.stringify(key)}: pass a string, a Uint8Array, ` +
      'a Node Readable, a Web ReadableStream or an AsyncIterable<Uint8Array>.',
    { provider: 'local' },
  );
}
