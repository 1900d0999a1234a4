import type { OpenApiDocument } from './openapi.js';

const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete'] as const;

/** `/api/workspaces/{id}` matches `/api/workspaces/alice`: each `{param}` is one non-empty segment. */
function matches(template: string, path: string): boolean {
  const expected = template.split('/');
  const actual = path.split('/');
  return (
    expected.length === actual.length &&
    expected.every((segment, i) => (/^\{\w+\}$/.test(segment) ? actual[i] !== '' : segment === actual[i]))
  );
}

/**
 * The methods the API serves at `path`, from its OpenAPI document (the routes as registered), for
 * a 405's `Allow`. HEAD goes with GET: the router answers it with GET's handler. Empty when no
 * route has this path.
 */
export function allowedMethods(paths: OpenApiDocument['paths'], path: string): string[] {
  const allowed = new Set<string>();
  for (const [template, operations] of Object.entries(paths))
    if (matches(template, path))
      for (const method of Object.keys(operations)) {
        allowed.add(method);
        if (method === 'get') allowed.add('head');
      }
  return METHODS.filter((method) => allowed.has(method)).map((method) => method.toUpperCase());
}
