export interface PageMeta {
  /** Present in offset mode only. */
  page?: number;
  per_page: number;
  total: number;
  total_is_estimate?: true;
  next_cursor: string | null;
}

/** One page of a list; a controller returns it as `{ data, meta }` (common/http/envelope.ts). */
export class Page<T> {
  constructor(
    readonly items: T[],
    readonly meta: PageMeta,
  ) {}

  map<U>(present: (item: T) => U): Page<U> {
    return new Page(this.items.map(present), this.meta);
  }
}
