import fc from 'fast-check';
import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * fast-check arbitraries drawn from the OpenAPI document: values a schema accepts, and values it
 * refuses (wrong types, missing and unknown fields, over-long and odd strings), for the fuzz
 * suite.
 */

export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  nullable?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  uniqueItems?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
}

export function resolve(document: OpenAPIObject, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = document.components?.schemas?.[name] as Schema | undefined;
  if (!target) throw new Error(`unknown schema ${schema.$ref}`);
  return resolve(document, target);
}

/** Strings people and attackers send: control characters, RTL, emoji, SQL, NUL, markup. */
export const oddString = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'nul\u0000inside',
  '\u202eevil',
  '👩‍💻🚀',
  "' OR 1=1 --",
  '"; DROP TABLE users; --',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00',
  '\uD800',
  '\r\nX-Injected: 1',
  '${jndi:ldap://x}',
  'null',
  '{}',
  '9'.repeat(400),
  // Text that shows nothing: white space of several kinds, zero-width and default-ignorable
  // characters.
  '\t\n',
  '\u00a0\u3000',
  '\u200b',
  '\u200c\u200d\ufeff',
  '\u2060',
  '\u3164',
);

/** Strings that show nothing: every one of them is refused where text must be visible. */
export const BLANK_STRINGS = [
  '   ',
  '\t\n',
  '\u00a0\u3000',
  '\u200b',
  '\u200c\u200d\ufeff',
  '\u2060',
  '\u3164',
  ' \u200b ',
];

/** Every JSON type, one value each: for a field, all but its own are the wrong type. */
export const VALUES_OF_EVERY_TYPE: Record<string, unknown> = {
  null: null,
  string: 'text',
  integer: 7,
  number: 1.5,
  boolean: true,
  array: ['x'],
  object: { a: 'x' },
};

/**
 * Spellings of a UUID: the case variants name the same id (API.md: ids in any case); the other
 * forms are ones PostgreSQL would read as a UUID but this API does not (404).
 */
export function caseVariants(id: string): string[] {
  const mixed = [...id].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('');
  return [id.toUpperCase(), mixed];
}

export function nonCanonicalForms(id: string): string[] {
  return [
    `{${id}}`,
    id.replace(/-/g, ''),
    `urn:uuid:${id}`,
    ` ${id}`,
    // One hyphen missing.
    `${id.slice(0, 8)}${id.slice(9)}`,
  ];
}

/** Bodies nested far deeper than the parser's limit, as arrays and as objects, closed or not. */
export const DEEPLY_NESTED_BODIES = [
  `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
  '['.repeat(40_000),
  `${'{"a":'.repeat(6_000)}1${'}'.repeat(6_000)}`,
  `{"title":${'['.repeat(100)}1${']'.repeat(100)}}`,
];

const emailArbitrary = fc
  .tuple(fc.stringMatching(/^[a-z0-9]{1,24}$/), fc.constantFrom('example.com', 'example.org'))
  .map(([local, domain]) => `fuzz-${local}@${domain}`);

/**
 * A value the schema accepts. `hints`: known good values for object properties by name (a real
 * email and password, say), drawn as often as generated ones.
 */
export function validValue(
  document: OpenAPIObject,
  raw: Schema,
  hints: Record<string, unknown[]> = {},
): fc.Arbitrary<unknown> {
  const schema = resolve(document, raw);
  const value = validNonNull(document, schema, hints);
  return schema.nullable ? fc.option(value, { nil: null }) : value;
}

function validNonNull(
  document: OpenAPIObject,
  schema: Schema,
  hints: Record<string, unknown[]> = {},
): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'string':
      return validString(schema);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1e6,
        max: schema.maximum ?? 1e6,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const items = schema.items ?? {};
      const resolved = resolve(document, items);
      if (schema.uniqueItems && resolved.enum) return fc.subarray(resolved.enum);
      return fc.array(validValue(document, items), { maxLength: 5 });
    }
    default:
      return validObject(document, schema, hints);
  }
}

function validString(schema: Schema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? 64, 300);
  switch (schema.format) {
    case 'email':
      return emailArbitrary;
    case 'uuid':
      return fc.uuid();
    case 'date-time':
      return fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((date) => date.toISOString());
    default:
      return (
        fc
          .oneof(
            fc.string({ minLength, maxLength }),
            fc.string({ unit: 'grapheme', minLength, maxLength }),
          )
          // Emails and names are trimmed before validation: keep valid strings valid after it.
          .map((text) => text.trim())
          .filter((text) => text.length >= minLength)
          .filter((text) => !schema.pattern || new RegExp(schema.pattern, 'u').test(text))
      );
  }
}

function validObject(
  document: OpenAPIObject,
  schema: Schema,
  hints: Record<string, unknown[]> = {},
): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) {
    const generated = validValue(document, property);
    const known = hints[name];
    model[name] = known?.length ? fc.oneof(generated, fc.constantFrom(...known)) : generated;
  }
  return fc.record(model, { requiredKeys: schema.required ?? [] });
}

/** A value of another JSON type than the schema's. */
export function wrongType(document: OpenAPIObject, raw: Schema): fc.Arbitrary<unknown> {
  const schema = resolve(document, raw);
  const all: Record<string, fc.Arbitrary<unknown>> = {
    string: fc.oneof(fc.string({ maxLength: 20 }), oddString),
    integer: fc.oneof(fc.integer(), fc.constantFrom(-1, 0, 2 ** 53, -(2 ** 31))),
    number: fc.double({ noNaN: true, noDefaultInfinity: true }),
    boolean: fc.boolean(),
    array: fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), { maxLength: 3 }),
    object: fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
    null: fc.constant(null),
  };
  const own = schema.type ?? 'object';
  const others = Object.entries(all)
    .filter(([type]) => type !== own && !(own === 'number' && type === 'integer'))
    .filter(([type]) => !(type === 'null' && schema.nullable))
    .map(([, arbitrary]) => arbitrary);
  return fc.oneof(...others);
}

/**
 * A value the schema refuses: a string that is too long, empty when it may not be, or not of its
 * format or enum; a number out of range or not whole; a value of another type; for an object,
 * one of these in a field, a missing required field, or an unknown field.
 */
export function invalidValue(document: OpenAPIObject, raw: Schema): fc.Arbitrary<unknown> {
  const schema = resolve(document, raw);
  const options: fc.Arbitrary<unknown>[] = [wrongType(document, schema)];
  if (schema.type === 'string') {
    if (schema.maxLength !== undefined) {
      options.push(
        fc
          .integer({ min: schema.maxLength + 1, max: schema.maxLength + 64 })
          .map((length) => 'x'.repeat(length)),
      );
    }
    if ((schema.minLength ?? 0) > 0) options.push(fc.constant(''));
    if (schema.enum)
      options.push(fc.string({ maxLength: 12 }).filter((s) => !schema.enum?.includes(s)));
    if (schema.format === 'email') options.push(fc.constantFrom('not-an-email', '@', 'a@', 'a@b'));
    if (schema.pattern) {
      // Candidates that odd patterns refuse (the NUL character, control characters, markup).
      const pattern = new RegExp(schema.pattern, 'u');
      const refused = ['\u0000', 'a\u0000b', '\u0007', ' ', '<a>', '\n'].filter(
        (text) => !pattern.test(text),
      );
      if (refused.length > 0) options.push(fc.constantFrom(...refused));
    }
  }
  if (schema.type === 'integer') {
    if (schema.minimum !== undefined) options.push(fc.constant(schema.minimum - 1));
    if (schema.maximum !== undefined) options.push(fc.constant(schema.maximum + 1));
    options.push(fc.constantFrom(1.5, -0.5));
  }
  if (schema.type === 'array' && schema.items) {
    options.push(invalidValue(document, schema.items).map((item) => [item]));
  }
  if (schema.properties) options.push(invalidObject(document, schema));
  return fc.oneof(...options);
}

function invalidObject(document: OpenAPIObject, schema: Schema): fc.Arbitrary<unknown> {
  const properties = Object.entries(schema.properties ?? {});
  const valid = validObject(document, schema) as fc.Arbitrary<Record<string, unknown>>;
  const mutations: fc.Arbitrary<Record<string, unknown>>[] = [
    // An unknown field.
    fc
      .tuple(valid, fc.stringMatching(/^[a-z_]{1,12}$/), fc.jsonValue())
      .filter(([, name]) => !(name in (schema.properties ?? {})))
      .map(([value, name, extra]) => ({ ...value, [name]: extra })),
    // A field that breaks its rule.
    fc
      .tuple(valid, fc.constantFrom(...properties))
      .chain(([value, [name, property]]) =>
        invalidValue(document, property).map((bad) => ({ ...value, [name]: bad })),
      ),
  ];
  const required = schema.required ?? [];
  if (required.length > 0) {
    // A required field missing.
    mutations.push(
      fc.tuple(valid, fc.constantFrom(...required)).map(([value, name]) => {
        const copy = { ...value };
        delete copy[name];
        return copy;
      }),
    );
  }
  return fc.oneof(...mutations);
}
