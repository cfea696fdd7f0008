/**
 * The operations the fake plays, each with validators for its request (path, query, body) and
 * responses, compiled from GitHub's OpenAPI description on first use.
 *
 * @module
 */
import type { ValidateFunction } from 'ajv';
import {
  loadGitHubOpenApiDocument,
  type OpenApiDocument,
  type OpenApiOperation,
  type OpenApiParameter,
  type OpenApiResponse,
  type OpenApiSchema,
  resolveReference,
} from './openapi-document.js';
import { describeSchemaErrors, getSharedSchemaCompiler, type OpenApiSchemaCompiler } from './openapi-schema.js';

/** The parts of a request the validators look at. */
export interface RequestToValidate {
  /** Decoded path parameters, by name. */
  pathParams: Record<string, string>;
  /** The query string. */
  query: URLSearchParams;
  /** The raw body text (`""` when there is none). */
  bodyText: string;
}

/** A request that passed validation: parameters coerced to their documented types, body parsed. */
export interface ValidatedRequest {
  /** Path and query parameters, coerced (`"5"` → `5` for an integer parameter). */
  params: Record<string, unknown>;
  /** The parsed JSON body, or `undefined`. */
  body: unknown;
}

/**
 * GitHub's description documents few error statuses per operation, while the real API answers
 * 401, 403, 404, 422 and 5xx on every endpoint with its "basic error" body. An undocumented
 * error status is therefore checked against that schema instead of being refused.
 */
const UNDOCUMENTED_ERROR_SCHEMA: OpenApiSchema = { $ref: '#/components/schemas/basic-error' };

type ResponseCheck = { kind: 'empty' } | { kind: 'json'; validate: ValidateFunction } | { kind: 'undocumented' };

/** One operation from the description, ready to match and validate. */
export class CompiledOperation {
  private readonly segments: readonly string[];
  private readonly parameters: readonly OpenApiParameter[];
  private readonly parameterValidators = new Map<string, ValidateFunction>();
  private bodyValidator: ValidateFunction | undefined;
  private readonly responseChecks = new Map<number, ResponseCheck>();

  constructor(
    private readonly document: OpenApiDocument,
    private readonly compiler: OpenApiSchemaCompiler,
    /** The operation's `operationId`, for example `codespaces/get-for-authenticated-user`. */
    readonly operationId: string,
    /** Upper-case HTTP method. */
    readonly method: string,
    /** The path template, for example `/user/codespaces/{codespace_name}`. */
    readonly template: string,
    private readonly operation: OpenApiOperation,
  ) {
    this.segments = template.split('/');
    this.parameters = (operation.parameters ?? []).map((parameter) => resolveReference(document, parameter));
  }

  /** Number of `{param}` segments; a literal segment wins over a parameter when both match. */
  get parameterCount(): number {
    return this.segments.filter((segment) => segment.startsWith('{')).length;
  }

  /** Returns the decoded path parameters when `pathname` fits the template. */
  match(method: string, pathname: string): Record<string, string> | undefined {
    if (method !== this.method) return undefined;
    const actual = pathname.split('/');
    if (actual.length !== this.segments.length) return undefined;
    const params: Record<string, string> = {};
    for (const [index, expected] of this.segments.entries()) {
      const segment = safeDecode(actual[index] ?? '');
      if (segment === undefined) return undefined;
      if (expected.startsWith('{')) {
        if (segment === '') return undefined;
        params[expected.slice(1, -1)] = segment;
      } else if (segment !== expected) return undefined;
    }
    return params;
  }

  /** Checks path and query parameters and the body; returns the problems, or the parsed request. */
  validateRequest(request: RequestToValidate): { problems: string[]; validated: ValidatedRequest } {
    const problems: string[] = [];
    const params: Record<string, unknown> = {};
    for (const parameter of this.parameters) {
      const raw = parameter.in === 'path' ? request.pathParams[parameter.name] : request.query.get(parameter.name);
      if (parameter.in !== 'path' && parameter.in !== 'query') continue;
      if (raw === undefined || raw === null) {
        if (parameter.required) problems.push(`${parameter.in} parameter "${parameter.name}" is required`);
        continue;
      }
      const value = coerceParameter(raw, parameter.schema);
      params[parameter.name] = value;
      const validate = this.parameterValidator(parameter);
      if (!validate(value))
        problems.push(...describeSchemaErrors(validate.errors, `${parameter.in} ${parameter.name}`));
    }
    const known = new Set(this.parameters.filter((p) => p.in === 'query').map((p) => p.name));
    for (const name of new Set(request.query.keys())) {
      if (!known.has(name)) problems.push(`query parameter "${name}" is not defined for ${this.operationId}`);
    }
    const body = this.validateBody(request.bodyText, problems);
    return { problems, validated: { params, body } };
  }

  /** Checks a response the fake is about to send; returns the problems. */
  validateResponse(status: number, body: unknown): string[] {
    const check = this.responseCheck(status);
    if (check.kind === 'undocumented') return [`status ${status} is not documented for ${this.operationId}`];
    if (check.kind === 'empty') return body === undefined ? [] : [`status ${status} has no body in the description`];
    if (body === undefined) return [`status ${status} must have a JSON body`];
    return check.validate(body) ? [] : describeSchemaErrors(check.validate.errors, `response ${status} body`);
  }

  private validateBody(bodyText: string, problems: string[]): unknown {
    const requestBody = this.operation.requestBody;
    if (bodyText.trim() === '') {
      if (requestBody?.required) problems.push('a JSON request body is required');
      return undefined;
    }
    if (!requestBody) {
      problems.push(`${this.operationId} takes no request body`);
      return undefined;
    }
    let body: unknown;
    try {
      body = JSON.parse(bodyText);
    } catch {
      problems.push('the request body is not valid JSON');
      return undefined;
    }
    this.bodyValidator ??= this.compiler.compile(jsonSchemaOf(requestBody.content, 'request body'));
    if (!this.bodyValidator(body)) problems.push(...describeSchemaErrors(this.bodyValidator.errors, 'body'));
    return body;
  }

  private parameterValidator(parameter: OpenApiParameter): ValidateFunction {
    const key = `${parameter.in}:${parameter.name}`;
    let validate = this.parameterValidators.get(key);
    if (!validate) {
      validate = this.compiler.compile(parameter.schema ?? {});
      this.parameterValidators.set(key, validate);
    }
    return validate;
  }

  private responseCheck(status: number): ResponseCheck {
    let check = this.responseChecks.get(status);
    if (!check) {
      check = this.compileResponseCheck(status);
      this.responseChecks.set(status, check);
    }
    return check;
  }

  private compileResponseCheck(status: number): ResponseCheck {
    const documented = this.operation.responses[String(status)];
    if (!documented) {
      if (status < 400) return { kind: 'undocumented' };
      return { kind: 'json', validate: this.compiler.compile(UNDOCUMENTED_ERROR_SCHEMA) };
    }
    const response = resolveReference<OpenApiResponse>(this.document, documented);
    if (!response.content) return { kind: 'empty' };
    return { kind: 'json', validate: this.compiler.compile(jsonSchemaOf(response.content, `response ${status}`)) };
  }
}

function jsonSchemaOf(content: Record<string, { schema?: OpenApiSchema }> | undefined, what: string): OpenApiSchema {
  const schema = content?.['application/json']?.schema;
  if (!schema) throw new Error(`github-fake: the ${what} has no application/json schema`);
  return schema;
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Path and query values arrive as text; the description types them, so coerce before validating. */
function coerceParameter(raw: string, schema: OpenApiSchema | undefined): unknown {
  if (schema?.type === 'integer' || schema?.type === 'number') return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  if (schema?.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

const compiledOperations = new Map<string, CompiledOperation>();

/**
 * Returns the compiled operations for `operationIds` (compiled once per process). Throws when an
 * id is not in GitHub's description, so a renamed operation is noticed at once.
 */
export function getOperations(operationIds: readonly string[]): CompiledOperation[] {
  const missing = operationIds.filter((id) => !compiledOperations.has(id));
  if (missing.length > 0) compileMissing(new Set(missing));
  return operationIds.map((id) => compiledOperations.get(id) as CompiledOperation);
}

function compileMissing(wanted: Set<string>): void {
  const document = loadGitHubOpenApiDocument();
  const compiler = getSharedSchemaCompiler();
  for (const [template, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (typeof operation !== 'object' || !wanted.has(operation.operationId)) continue;
      const upper = method.toUpperCase();
      const compiled = new CompiledOperation(document, compiler, operation.operationId, upper, template, operation);
      compiledOperations.set(operation.operationId, compiled);
      wanted.delete(operation.operationId);
    }
  }
  if (wanted.size > 0)
    throw new Error(`github-fake: no such operation in GitHub's description: ${[...wanted].join(', ')}`);
}

/** Finds the operation a request is for; a literal path segment wins over a parameter. */
export function findOperation(
  operations: readonly CompiledOperation[],
  method: string,
  pathname: string,
): { operation: CompiledOperation; pathParams: Record<string, string> } | undefined {
  let best: { operation: CompiledOperation; pathParams: Record<string, string> } | undefined;
  for (const operation of operations) {
    const pathParams = operation.match(method, pathname);
    if (pathParams && (!best || operation.parameterCount < best.operation.parameterCount)) {
      best = { operation, pathParams };
    }
  }
  return best;
}
