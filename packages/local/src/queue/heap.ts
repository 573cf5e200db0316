/**
 * A binary min-heap ordered by a numeric rank; ties keep no particular order.
 *
 * The queue keeps two: visible messages ranked by send order, and timers ranked by due time.
 */
export class MinHeap<T> {
  private readonly items: T[] = [];
  private readonly rank: (item: T) => number;

  constructor(rank: (item: T) => number) {
    this.rank = rank;
  }

  get size(): number {
    return this.items.length;
  }

  /** The item of lowest rank, without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let index = items.length - 1;
    const key = this.rank(item);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = items[parent] as T;
      if (this.rank(above) <= key) break;
      items[index] = above;
      index = parent;
    }
    items[index] = item;
  }

  /** Removes and returns the item of lowest rank. */
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    const key = this.rank(last);
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= items.length) break;
      const right = left + 1;
      let child = left;
      if (right < items.length && this.rank(items[right] as T) < this.rank(items[left] as T)) {
        child = right;
      }
      const below = items[child] as T;
      if (this.rank(below) >= key) break;
      items[index] = below;
      index = child;
    }
    items[index] = last;

    return top;
  }

  /** Keeps only the items `keep` accepts, and restores the heap order. */
  retain(keep: (item: T) => boolean): void {
    const kept = this.items.filter(keep);
    this.items.length = 0;
    for (const item of kept) this.push(item);
  }

  clear(): void {
    this.items.length = 0;
  }
}
