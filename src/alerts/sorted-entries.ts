/**
 * Items kept sorted by a numeric key (ties in insertion order), found by binary search: the price
 * alert index keeps its levels and move percentages in these, so an update finds the alerts it
 * crossed in O(log n) instead of scanning them.
 */
export interface SortedEntry<T> {
  key: number;
  value: T;
}

export class SortedEntries<T extends { id: string }> {
  readonly items: SortedEntry<T>[] = [];

  /** First index whose key is > `key`. */
  upperBound(key: number): number {
    return this.firstIndex((k) => k > key);
  }

  /** First index whose key is >= `key`. */
  lowerBound(key: number): number {
    return this.firstIndex((k) => k >= key);
  }

  /** First index whose key passes `past` (false for every key before it, true from it on). */
  private firstIndex(past: (key: number) => boolean): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (past(this.items[mid]!.key)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  insert(entry: SortedEntry<T>): void {
    this.items.splice(this.upperBound(entry.key), 0, entry);
  }

  /** Removes the item `id` filed under `key`; false when it is not there. */
  remove(id: string, key: number): boolean {
    for (let i = this.lowerBound(key); i < this.items.length && this.items[i]!.key === key; i++) {
      if (this.items[i]!.value.id === id) {
        this.items.splice(i, 1);
        return true;
      }
    }
    return false;
  }
}
