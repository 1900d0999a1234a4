import type { OpenAPIHono } from '@hono/zod-openapi';
import { MAX_API_BODY_BYTES } from '@rockpool/model';
import type { BlankEnv } from 'hono/types';

/** The generated document; its paths map each path to its operations by method. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

/** The OpenAPI 3.1 description of the API, generated from the routes' schemas; served at /api/openapi.json. */
export function openApiDocument(app: OpenAPIHono<BlankEnv>): OpenApiDocument {
  const document = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Rockpool API',
      version: '0.1.0',
      description: `Workspaces are VMs running code-server. Every error is \`{error: {code, message, ...}}\`. State-changing requests from another browser origin are refused (403 cross_origin_request). A body must be JSON declared as \`Content-Type: application/json\` (415 unsupported_media_type) and at most ${MAX_API_BODY_BYTES / 1024} KiB (413 body_too_large). A method a path does not serve gets 405 method_not_allowed with an \`Allow\` header.`,
    },
    servers: [{ url: '/' }],
  });
  return { ...document, paths: (document.paths ?? {}) as OpenApiDocument['paths'] };
}
