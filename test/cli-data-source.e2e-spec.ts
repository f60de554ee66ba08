import type { DataSource } from 'typeorm';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * The TypeORM CLI's data source (npm run migration:*) has no Nest modules to load entities from,
 * so src/scripts/cli-data-source.ts lists them. It must list what the application loads through
 * its feature modules: an entity missing there is invisible to migration:generate.
 */
describe('the data source of the migration commands', () => {
  let t: TestApp;
  let cli: DataSource;

  beforeAll(async () => {
    t = await createTestApp();
    // The module refuses to load without DATABASE_URL; it only builds the data source here.
    const given = process.env.DATABASE_URL;
    process.env.DATABASE_URL ??= 'postgres://unused@127.0.0.1:1/unused';
    cli = (await import('../src/scripts/cli-data-source.js')).default;
    if (given === undefined) delete process.env.DATABASE_URL;
  });
  afterAll(() => t?.close());

  it('lists every entity the application loads, and nothing else', () => {
    const names = (entities: readonly unknown[]) =>
      entities.map((entity) => (entity as { name: string }).name).sort();
    expect(names(cli.options.entities as unknown[])).toEqual(
      names(t.dataSource.entityMetadatas.map((metadata) => metadata.target)),
    );
  });
});
