/**
 * /api/v1/openapi.json, generated from the route table: paths, methods, path parameters, the zod schemas
 * the handlers validate with (as JSON Schema), and what each status means. Nothing is written twice, so
 * the document cannot drift from what the server accepts.
 */
import { z } from 'zod';
import type { Route } from '../http/route-types';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): JsonSchema {
  // Coercions and transforms have no JSON Schema of their output: describe what clients send.
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  delete out['$schema'];
  return out;
}

function queryParameters(schema: z.ZodType | undefined, location: 'query'): JsonSchema[] {
  if (schema === undefined) return [];
  const object = jsonSchema(schema);
  const properties = (object['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((object['required'] ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: required.has(name),
    schema: property,
    ...(typeof property['description'] === 'string' && { description: property['description'] }),
  }));
}

const ACCESS_TEXT: Record<Route['access'], string> = {
  public: 'No authentication.',
  read: 'Authentication when the server has --basic-auth or --api-tokens.',
  control:
    'Changes the cluster: needs authentication (or --unauthenticated-api), is refused in --read-only mode, and from a browser needs the x-pollen-csrf header.',
};

export function openApiDocument(routes: readonly Route[], version: string, urlPrefix: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const names = route.path.split('/').filter((segment) => segment.startsWith(':')).map((segment) => segment.slice(1));
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const doc = route.doc;
    const responses: Record<string, JsonSchema> = {};
    for (const [status, description] of Object.entries(doc?.responses ?? { 200: 'OK' })) responses[status] = { description };
    if (route.access !== 'public') responses['401'] ??= { description: 'authentication required' };
    if (route.access === 'control') responses['403'] ??= { description: 'read-only mode, CSRF check failed, or the worker refused' };
    paths[path] ??= {};
    (paths[path] as Record<string, JsonSchema>)[route.method.toLowerCase()] = {
      summary: doc?.summary ?? `${route.method} ${route.path}`,
      description: [doc?.description, ACCESS_TEXT[route.access]].filter(Boolean).join('\n\n'),
      tags: doc?.tags ?? [route.path.startsWith('/api/v1/') ? 'pollen' : 'flower'],
      parameters: [
        ...names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        ...queryParameters(doc?.query, 'query'),
      ],
      ...(doc?.body !== undefined && { requestBody: { required: false, content: { 'application/json': { schema: jsonSchema(doc.body) } } } }),
      responses,
      ...(route.access !== 'public' && { security: [{ basic: [] }, { bearer: [] }, {}] }),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Pollen API',
      version,
      description:
        "Flower-compatible endpoints (same paths, parameters and JSON shapes as Flower 2.1) and Pollen's own under /api/v1. " +
        'Errors are {"error": message}, with a stable "code" where a client may act on it; a search that does not parse adds ' +
        '"code": "invalid_search" and "position", the offset of the fault in the search text. Flower control endpoints answer a refused command with 403 and the worker\'s reason as text.',
    },
    servers: [{ url: urlPrefix || '/' }],
    components: { securitySchemes: { basic: { type: 'http', scheme: 'basic' }, bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
