/**
 * A table's columns for hand-written SQL, each beside the entity property it fills: the one
 * place a feature's raw statements (written by hand where they run on every request, see
 * docs/benchmarks.md) take their select and RETURNING lists from, and the one row-to-fields
 * mapping. Each map has a spec checking it against the entity's TypeORM metadata
 * (test/support/entity-columns.ts).
 *
 * No TypeORM here: bench/baseline.ts reads the users' map and stays a bare Fastify server.
 */

/** Entity property → column name. */
export type ColumnMap<E> = { readonly [P in keyof E & string]?: string };

/** The row PostgreSQL answers for the columns of `M`: each column with its property's type. */
export type RowOf<E, M extends ColumnMap<E>> = {
  [P in keyof M & keyof E as M[P] & string]: E[P];
};

/** The entity's fields a row of the columns of `M` gives. */
export type FieldsOf<E, M extends ColumnMap<E>> = Pick<E, keyof M & keyof E>;

/** `a, b, c`: the select (or RETURNING) list of the map's columns. */
export function selectList<E>(map: ColumnMap<E>): string {
  return Object.values(map).join(', ');
}

/**
 * Copies a row of the map's columns into an object (the entity, so a row costs one allocation),
 * from a list of property-column pairs made once per map: on every row of every list page.
 */
export function rowFiller<E, M extends ColumnMap<E>>(
  map: M,
): <T extends object>(row: RowOf<E, M>, target: T) => T & FieldsOf<E, M> {
  const pairs = Object.entries(map) as [string, string][];
  return (row, target) => {
    const columns = row as Record<string, unknown>;
    const fields = target as Record<string, unknown>;
    for (let i = 0; i < pairs.length; i += 1) fields[pairs[i][0]] = columns[pairs[i][1]];
    return target as typeof target & FieldsOf<E, M>;
  };
}
