/**
 * The k-th smallest of `values` (0-based), found in linear time on average (Hoare's quickselect with a
 * median-of-three pivot), reordering `values` in place. What lets a page deep in an order nobody keeps
 * be found without sorting every value.
 */
export function kthSmallest(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    const pivot = median(values[lo] as number, values[mid] as number, values[hi] as number);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const t = values[i] as number;
        values[i] = values[j] as number;
        values[j] = t;
        i++;
        j--;
      }
    }
    // [lo, j] ≤ pivot ≤ [i, hi]; between them, values equal to the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k] as number;
  }
  return values[k] as number;
}

function median(a: number, b: number, c: number): number {
  return a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
}

/**
 * The `k` largest of `values` (or smallest), in that order, in one pass with a heap of k: for a page near
 * the start of an order, cheaper than selecting twice over every value.
 */
export function extremes(values: Float64Array, k: number, largest: boolean): Float64Array {
  const sign = largest ? 1 : -1;
  // A min-heap of sign × value: its root is the least extreme value kept so far.
  const heap = new Float64Array(Math.min(k, values.length));
  let size = 0;
  for (let i = 0; i < values.length; i++) {
    const v = sign * (values[i] as number);
    if (size < heap.length) {
      let at = size++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if ((heap[parent] as number) <= v) break;
        heap[at] = heap[parent] as number;
        at = parent;
      }
      heap[at] = v;
    } else if (size > 0 && v > (heap[0] as number)) {
      let at = 0;
      for (;;) {
        const left = 2 * at + 1;
        if (left >= size) break;
        const right = left + 1;
        const child = right < size && (heap[right] as number) < (heap[left] as number) ? right : left;
        if ((heap[child] as number) >= v) break;
        heap[at] = heap[child] as number;
        at = child;
      }
      heap[at] = v;
    }
  }
  const kept = heap.subarray(0, size).sort().reverse();
  for (let i = 0; i < kept.length; i++) kept[i] = sign * (kept[i] as number);
  return kept;
}
