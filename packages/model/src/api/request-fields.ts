import { z } from 'zod';

/** What a request got wrong, as the API answers it: 400 `{error: {code, message, ...details}}`. */
export interface RequestProblem {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** JSON Schema keywords for the OpenAPI document (a checked field has no zod type to derive them from). */
type OpenApiKeywords = Record<string, unknown>;

/**
 * A request value checked by one of the model's rules. Every way it can be wrong gives one custom zod
 * issue that carries the API's error (code, message, details) in `params`, so one validation hook
 * answers exactly as the API always has, whatever zod itself would have said.
 */
export function checkedField<T>(check: (input: unknown) => RequestProblem | undefined, doc: OpenApiKeywords) {
  return z
    .custom<T>()
    .superRefine((value, ctx) => {
      const problem = check(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem.message, params: problem });
    })
    .meta(doc);
}

/**
 * A JSON request body: an object with exactly these fields. A non-object and unknown fields get the
 * API's `invalid_body` and `unknown_field` errors.
 */
export function requestBody<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `Unknown field(s): ${issue.keys.join(', ')}. Allowed: ${allowed}.`
        : issue.code === 'invalid_type'
          ? 'The request body must be a JSON object.'
          : undefined,
  });
}

/**
 * The error a failed request validation answers with: unknown fields first (the API has always
 * checked them before the values), then the first field in the order the schema lists them.
 */
export function requestProblem(issues: readonly z.core.$ZodIssue[]): RequestProblem {
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  if (!issue) return { code: 'invalid_request', message: 'The request is invalid.' };
  if (issue.code === 'custom' && isProblem(issue.params)) return issue.params;
  if (issue.code === 'unrecognized_keys')
    return { code: 'unknown_field', message: issue.message, details: { fields: issue.keys } };
  if (issue.code === 'invalid_type' && issue.path.length === 0)
    return { code: 'invalid_body', message: issue.message };
  const where = issue.path.join('.');
  return { code: 'invalid_request', message: where ? `${where}: ${issue.message}` : issue.message };
}

function isProblem(params: unknown): params is RequestProblem {
  const p = params as Partial<RequestProblem> | undefined;
  return typeof p?.code === 'string' && typeof p.message === 'string';
}

/**
 * An optional query parameter. Given twice, the first value counts, as `c.req.query()` has it (the
 * validator sees every value).
 */
export function queryParam<Schema extends z.ZodType>(schema: Schema) {
  return z.preprocess<unknown, z.ZodOptional<Schema>, z.input<Schema> | undefined>(
    (value) => (Array.isArray(value) ? value[0] : value),
    schema.optional(),
  );
}
