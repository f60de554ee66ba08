import { DataSource, type EntityTarget } from 'typeorm';

/**
 * An entity's columns as TypeORM maps them (property → database name), from the metadata TypeORM
 * builds for the application, without a database: the DataSource is never initialised, only its
 * metadata built (the step initialize() runs after connecting).
 */
export async function entityColumns(
  entity: EntityTarget<object>,
  entities: EntityTarget<object>[] = [entity],
): Promise<Record<string, string>> {
  const dataSource = new DataSource({ type: 'postgres', entities: entities as never });
  await (dataSource as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
  return Object.fromEntries(
    dataSource
      .getMetadata(entity)
      .columns.map((column) => [column.propertyName, column.databaseName]),
  );
}
