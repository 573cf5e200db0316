import type { KeyObject } from 'node:crypto';

/** A change to an object, shaped like the object resource Cloud Storage notifications carry. */
export interface GcsChange {
  type: 'finalized' | 'deleted' | 'metadataUpdated';
  /** The JSON API object resource: `size` and `generation` are strings. */
  resource: Record<string, unknown> & {
    bucket: string;
    name: string;
    generation: string;
    size: string;
  };
}

/** Options of {@link startGcsServer}. */
export interface GcsServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Keep object content in files under this directory rather than in memory. */
  dir?: string;
  /** Buckets that exist from the start. */
  buckets?: string[];
  /** Public key that checks V4 signed URLs (`/bucket/object?X-Goog-Signature=...`). */
  signingKey?: KeyObject;
}

/** A running GCS test server. */
export interface GcsServer {
  /** Base URL, for the client's `apiEndpoint`. */
  url: string;
  port: number;
  /** Calls `listener` on every finalize, delete and metadata update; returns an unsubscriber. */
  onChange(listener: (change: GcsChange) => void): () => void;
  /** Creates a bucket; false when it already existed. */
  createBucket(bucket: string): boolean;
  close(): Promise<void>;
}

/** Starts a Cloud Storage JSON API test server for @google-cloud/storage. */
export function startGcsServer(options?: GcsServerOptions): Promise<GcsServer>;
