import type { FastifyInstance, HTTPMethods } from 'fastify';
import type { OpenAPIObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';

type Schema = SchemaObject | ReferenceObject;
type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
const METHODS: readonly Method[] = ['get', 'put', 'post', 'delete', 'patch'];

/**
 * Serialises every route's success responses with the JSON schema the OpenAPI document publishes
 * for them: Fastify compiles a route's `schema.response` with fast-json-stringify. A page of 20
 * posts costs JSON.stringify about 60 µs, most of it the 40 Dates it formats through toJSON, and
 * the compiled serialiser about a third of that (docs/benchmarks.md). A body can then only carry
 * the properties the document names. Call before the application's routes are registered
 * (before init()); a route the document does not describe, or whose body schema names no
 * properties, keeps Fastify's JSON.stringify.
 */
export function serialiseResponsesByDocument(
  fastify: FastifyInstance,
  document: OpenAPIObject,
): void {
  const byRoute = responseSchemasOf(document);
  fastify.addHook('onRoute', (route) => {
    const methods = ([] as HTTPMethods[]).concat(route.method);
    // A HEAD route (Fastify adds one per GET) measures the GET's body for its Content-Length.
    const method = methods[0] === 'HEAD' ? 'GET' : methods[0];
    const response = methods.length === 1 ? byRoute.get(`${method} ${route.url}`) : undefined;
    if (response) route.schema = { ...route.schema, response };
  });
}

/** `GET /users/:id` → status → the inlined schema of its application/json body. */
function responseSchemasOf(document: OpenAPIObject): Map<string, Record<string, SchemaObject>> {
  const components = document.components?.schemas ?? {};
  const byRoute = new Map<string, Record<string, SchemaObject>>();
  for (const [path, item] of Object.entries(document.paths)) {
    // OpenAPI's `{id}` is the router's `:id`.
    const url = path.replace(/\{([^}]+)\}/g, ':$1');
    for (const method of METHODS) {
      const responses = item[method]?.responses ?? {};
      const bodies: Record<string, SchemaObject> = {};
      for (const [status, response] of Object.entries(responses)) {
        const schema = (response as { content?: Record<string, { schema?: Schema }> }).content?.[
          'application/json'
        ]?.schema;
        if (!/^2\d\d$/.test(status) || !schema) continue;
        const inlined = inline(schema, components, []);
        if (inlined.properties) bodies[status] = inlined;
      }
      if (Object.keys(bodies).length > 0) byRoute.set(`${method.toUpperCase()} ${url}`, bodies);
    }
  }
  return byRoute;
}

/**
 * The schema with every `#/components/schemas/…` reference replaced by its target: each route's
 * serialiser then stands alone, without schemas shared through fastify.addSchema. The document's
 * schemas are not recursive; a reference back into itself is refused rather than looped on.
 */
function inline(
  schema: Schema,
  components: Record<string, Schema>,
  seen: readonly string[],
): SchemaObject {
  if ('$ref' in schema) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = components[name];
    if (!target || seen.includes(name)) {
      throw new Error(`cannot inline ${schema.$ref} (missing or recursive)`);
    }
    return inline(target, components, [...seen, name]);
  }
  const copy: SchemaObject = { ...schema };
  if (schema.properties) {
    copy.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([key, value]) => [
        key,
        inline(value, components, seen),
      ]),
    );
  }
  if (schema.items) copy.items = inline(schema.items, components, seen);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    copy.additionalProperties = inline(schema.additionalProperties, components, seen);
  }
  for (const key of ['allOf', 'oneOf', 'anyOf'] as const) {
    const list = schema[key];
    if (list) copy[key] = list.map((part) => inline(part, components, seen));
  }
  return copy;
}
