/**
 * A map keyed by collision key (safe-name.ts: the form in which case- and normalisation-twins
 * are equal) that keeps no key strings: each value is filed under a 30-bit hash of its key and
 * must be able to give its key back (`keyOf`), which confirms a hash hit. The index of a large
 * backup holds one such key per stored file and per stem; a key string costs about 32 bytes
 * each, a hash (a small integer) nothing beyond its slot, and the values (the entry's location,
 * the asset's group) are held anyway.
 */
export class CollisionMap<V extends object | string> {
  /** hash → the value, or the values (with distinct keys) that share that hash */
  private readonly buckets = new Map<number, V | V[]>();

  constructor(
    private readonly keyOf: (value: V) => string,
    /** Tests pass a poor hash to make every value collide. */
    private readonly hashOf: (key: string) => number = fnv1a30,
  ) {}

  get(key: string): V | undefined {
    const bucket = this.buckets.get(this.hashOf(key));
    if (bucket === undefined) return undefined;
    if (!Array.isArray(bucket)) return this.keyOf(bucket) === key ? bucket : undefined;
    return bucket.find((value) => this.keyOf(value) === key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** File `value` under `key` (which must be `keyOf(value)`), replacing what had that key. */
  set(key: string, value: V): void {
    const hash = this.hashOf(key);
    const bucket = this.buckets.get(hash);
    if (bucket === undefined) {
      this.buckets.set(hash, value);
    } else if (!Array.isArray(bucket)) {
      this.buckets.set(hash, this.keyOf(bucket) === key ? value : [bucket, value]);
    } else {
      const at = bucket.findIndex((other) => this.keyOf(other) === key);
      if (at === -1) bucket.push(value);
      else bucket[at] = value;
    }
  }

  delete(key: string): void {
    const hash = this.hashOf(key);
    const bucket = this.buckets.get(hash);
    if (bucket === undefined) return;
    if (!Array.isArray(bucket)) {
      if (this.keyOf(bucket) === key) this.buckets.delete(hash);
      return;
    }
    const rest = bucket.filter((other) => this.keyOf(other) !== key);
    if (rest.length === 0) this.buckets.delete(hash);
    else this.buckets.set(hash, rest.length === 1 ? rest[0]! : rest);
  }
}

/** FNV-1a over the UTF-16 code units, cut to 30 bits so it is always a small integer (a Smi). */
export function fnv1a30(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash & 0x3fffffff;
}
