/**
 * One request through the fake: match an operation, validate the request, inject faults,
 * authenticate, handle, validate the response, record everything.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkAccess, identifyCaller } from './fake-auth.js';
import { FakeHttpError, type FakeWorld, type Route, type RouteResult } from './fake-routes.js';
import { type FaultInjector, renderFault } from './fault-injection.js';
import { type CompiledOperation, findOperation } from './openapi-operations.js';

/** A request the fake refused as invalid, or a response it would have sent that is invalid. */
export interface Violation {
  /** `request`: the code under test sent something GitHub's description does not allow. `response`: the fake is wrong. */
  kind: 'request' | 'response';
  method: string;
  path: string;
  /** The operation, when the path matched one. */
  operationId?: string;
  /** What is wrong, one line each. */
  problems: string[];
}

/** One request as the fake saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  operationId?: string;
  /** The status answered; 0 when the connection was dropped without an answer. */
  status: number;
}

/** What the request handler needs from the fake. */
export interface FakeHttpContext {
  world: FakeWorld;
  routes: ReadonlyMap<string, Route>;
  operations: readonly CompiledOperation[];
  userTokens: ReadonlySet<string>;
  faults: FaultInjector;
  now: () => number;
  violations: Violation[];
  requests: RecordedRequest[];
}

const MAX_BODY_BYTES = 1_048_576;
const DOCS = 'https://docs.github.com/rest';

/** Handles one HTTP request (see the module comment). Never rejects. */
export async function handleFakeRequest(
  fake: FakeHttpContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const method = request.method ?? 'GET';
  const url = new URL(request.url ?? '/', fake.world.baseUrl);
  const record = (status: number, operationId?: string) =>
    fake.requests.push({ method, path: url.pathname, operationId, status });
  const bodyText = await readBody(request);
  const matched = findOperation(fake.operations, method, url.pathname);
  if (!matched || bodyText === undefined) {
    const problem = matched
      ? `request body larger than ${MAX_BODY_BYTES} bytes`
      : `no operation the fake plays matches ${method} ${url.pathname}`;
    fake.violations.push({ kind: 'request', method, path: url.pathname, problems: [problem] });
    record(404);
    send(response, 404, { message: 'Not Found', documentation_url: DOCS });
    return;
  }
  const { operation, pathParams } = matched;
  const { problems, validated } = operation.validateRequest({ pathParams, query: url.searchParams, bodyText });
  let result: RouteResult;
  if (problems.length > 0) {
    fake.violations.push({ kind: 'request', method, path: url.pathname, operationId: operation.operationId, problems });
    const status = problems.some((problem) => problem.includes('not valid JSON')) ? 400 : 422;
    result = { status, body: { message: `Invalid request.\n\n${problems.join('\n')}`, documentation_url: DOCS } };
  } else {
    result = await answer(fake, operation, request, url, validated);
  }
  const responseProblems = result.unchecked ? [] : operation.validateResponse(result.status, result.body);
  if (responseProblems.length > 0) {
    fake.violations.push({
      kind: 'response',
      method,
      path: url.pathname,
      operationId: operation.operationId,
      problems: responseProblems,
    });
    result = {
      status: 500,
      body: { message: `github-fake produced an invalid response: ${responseProblems.join('; ')}` },
    };
  }
  record(result.status, operation.operationId);
  if (result.dropConnection) {
    // The request was acted on; the client must see no answer, as after a reset connection.
    response.socket?.destroy();
    return;
  }
  send(response, result.status, result.body, result.headers);
}

async function answer(
  fake: FakeHttpContext,
  operation: CompiledOperation,
  request: IncomingMessage,
  url: URL,
  validated: { params: Record<string, unknown>; body: unknown },
): Promise<RouteResult> {
  const faulted = { path: url.pathname, token: request.headers.authorization?.replace(/^(token|bearer)\s+/i, '') };
  let fault = fake.faults.take(operation.operationId, faulted);
  while (fault?.kind === 'delay') {
    await sleep(fault.delayMs);
    fault = fake.faults.take(operation.operationId, faulted);
  }
  if (fault?.kind === 'lost-answer') {
    // GitHub acted (whatever the route answers is what it did), and then the answer went missing.
    await handleRoute(fake, operation, request, url, validated);
    return fault.answer === 'drop'
      ? { status: 0, unchecked: true, dropConnection: true }
      : renderFault({ kind: 'status', status: fault.answer }, fake.now());
  }
  if (fault) return renderFault(fault, fake.now());
  return handleRoute(fake, operation, request, url, validated);
}

/** Authenticates the caller and runs the operation's route: what GitHub itself would do and answer. */
async function handleRoute(
  fake: FakeHttpContext,
  operation: CompiledOperation,
  request: IncomingMessage,
  url: URL,
  validated: { params: Record<string, unknown>; body: unknown },
): Promise<RouteResult> {
  const route = fake.routes.get(operation.operationId) as Route;
  try {
    const now = fake.now();
    const caller = identifyCaller(request.headers.authorization, fake.world, fake.userTokens, now);
    checkAccess(caller, route.access);
    return route.handle({ params: validated.params, body: validated.body, now, url, caller, world: fake.world });
  } catch (error) {
    if (error instanceof FakeHttpError) {
      return { status: error.status, body: { message: error.message, documentation_url: DOCS } };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { status: 500, body: { message: `github-fake failed: ${message}`, documentation_url: DOCS } };
  }
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'x-github-api-version-selected': '2022-11-28',
    ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    'content-length': String(Buffer.byteLength(text)),
  });
  response.end(text);
}
