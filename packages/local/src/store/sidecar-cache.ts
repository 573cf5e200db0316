import type { Sidecar } from './sidecar.js';

/** Bytes of sidecars one store keeps in memory, so that reading a recent object skips its own. */
export const SIDECAR_CACHE_BYTES = 16 * 1024 * 1024;
// Rough memory of a cached sidecar and of one version record, beyond their strings.
const ENTRY_COST = 256;
const VERSION_COST = 128;

interface Cached {
  sidecar: Sidecar;
  cost: number;
}

function costOf(path: string, sidecar: Sidecar): number {
  let cost = ENTRY_COST + 2 * (path.length + sidecar.key.length);
  for (const version of sidecar.versions) {
    cost += VERSION_COST + 2 * (version.etag.length + (version.contentType?.length ?? 0));
    for (const [name, value] of Object.entries(version.metadata)) {
      cost += 2 * (name.length + value.length);
    }
  }

  return cost;
}

/**
 * The sidecars a store wrote or read lately, by path, least recently used first out once they
 * pass a byte budget. A cached sidecar is only ever used for the data file one of its records
 * describes (same inode, size and modification time, checked on the open descriptor), so a
 * data file replaced by another writer or by hand is never paired with cached metadata: its
 * sidecar is read from disk as before. Callers treat cached sidecars as read-only.
 */
export class SidecarCache {
  readonly #entries = new Map<string, Cached>();
  readonly #budget: number;
  #bytes = 0;

  constructor(budget = SIDECAR_CACHE_BYTES) {
    this.#budget = budget;
  }

  get(path: string): Sidecar | undefined {
    const entry = this.#entries.get(path);
    if (entry === undefined) return undefined;
    this.#entries.delete(path);
    this.#entries.set(path, entry);

    return entry.sidecar;
  }

  set(path: string, sidecar: Sidecar): void {
    this.delete(path);
    const cost = costOf(path, sidecar);
    if (cost > this.#budget) return;
    this.#entries.set(path, { sidecar, cost });
    this.#bytes += cost;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.#budget) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.cost;
    }
  }

  delete(path: string): void {
    const entry = this.#entries.get(path);
    if (entry === undefined) return;
    this.#entries.delete(path);
    this.#bytes -= entry.cost;
  }

  /** Sidecars held, for tests. */
  get size(): number {
    return this.#entries.size;
  }
}
