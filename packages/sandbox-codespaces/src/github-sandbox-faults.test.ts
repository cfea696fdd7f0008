import { inspect } from 'node:util';
import type { SecurityEventEmitter } from '@warden/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SandboxFixture, startSandboxFixture } from './test-support/sandbox-fixture.js';

let fixture: SandboxFixture;
const CREATE = 'codespaces/create-with-repo-for-authenticated-user';

beforeEach(async () => {
  fixture = await startSandboxFixture();
});

afterEach(async () => {
  await fixture.dispose();
});

describe('GitHub sandbox under faults', () => {
  it('401 Bad credentials on create: ACCESS_DENIED, not retried, no codespace, no token in the error', async () => {
    fixture.fake.injectFault({ kind: 'status', status: 401, operationId: CREATE });
    const error = await fixture
      .createSandbox()
      .create()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ACCESS_DENIED', message: /401 Bad credentials/ });
    expect(fixture.fake.requestsTo(CREATE)).toHaveLength(1);
    expect(fixture.fake.codespaces.list()).toEqual([]);
    expect(`${inspect(error, { depth: 10 })}${JSON.stringify(error)}`).not.toContain(fixture.fake.userToken);
  });

  it('403 secondary rate limit with retry-after on create: waits and succeeds', async () => {
    fixture.fake.injectFault({ kind: 'rate-limit', limit: 'secondary', retryAfterSeconds: 2, operationId: CREATE });
    const status = await fixture.createSandbox().create();
    expect(fixture.fake.requestsTo(CREATE).map((request) => request.status)).toEqual([403, 201]);
    expect(status.state).toBe('running');
  });

  it('403 primary rate limit (x-ratelimit-remaining 0) on list: waits for the reset and succeeds', async () => {
    fixture.fake.injectFault({
      kind: 'rate-limit',
      limit: 'primary',
      retryAfterSeconds: 1,
      operationId: 'codespaces/list-in-repository-for-authenticated-user',
    });
    expect(await fixture.createSandbox().list()).toEqual([]);
    expect(
      fixture.fake.requestsTo('codespaces/list-in-repository-for-authenticated-user').map((request) => request.status),
    ).toEqual([403, 200]);
  });

  it('5xx while waiting for the codespace: retried with backoff, create still succeeds', async () => {
    fixture.fake.injectFault({
      kind: 'status',
      status: 502,
      times: 2,
      operationId: 'codespaces/get-for-authenticated-user',
    });
    expect((await fixture.createSandbox().create()).state).toBe('running');
    expect(
      fixture.fake
        .requestsTo('codespaces/get-for-authenticated-user')
        .slice(0, 2)
        .map((request) => request.status),
    ).toEqual([502, 502]);
  });

  it('5xx that outlasts the retries: BACKEND_UNAVAILABLE after retries + 1 attempts', async () => {
    fixture.fake.injectFault({
      kind: 'status',
      status: 503,
      times: 10,
      operationId: 'codespaces/list-in-repository-for-authenticated-user',
    });
    await expect(fixture.createSandbox({ retries: 2 }).list()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(fixture.fake.requestsTo('codespaces/list-in-repository-for-authenticated-user')).toHaveLength(3);
  });

  it('422 on create: BACKEND_UNAVAILABLE naming the status, not retried, no codespace', async () => {
    fixture.fake.injectFault({ kind: 'status', status: 422, operationId: CREATE });
    await expect(fixture.createSandbox().create()).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: /422/,
    });
    expect(fixture.fake.requestsTo(CREATE)).toHaveLength(1);
    expect(fixture.fake.codespaces.list()).toEqual([]);
  });

  it('a failing stop does not prevent destroy from deleting the codespace', async () => {
    const sandbox = fixture.createSandbox({ retries: 0 });
    const { id } = await sandbox.create();
    fixture.fake.injectFault({ kind: 'status', status: 500, operationId: 'codespaces/stop-for-authenticated-user' });
    await sandbox.destroy(id);
    expect(fixture.fake.codespaces.get(id)?.state ?? 'gone').toMatch(/Deleted|gone/);
  });

  it('404 on delete (already gone) counts as destroyed', async () => {
    const sandbox = fixture.createSandbox();
    const { id } = await sandbox.create();
    fixture.fake.injectFault({ kind: 'status', status: 404, operationId: 'codespaces/delete-for-authenticated-user' });
    await sandbox.destroy(id);
    await expect(sandbox.getStatus(id)).rejects.toMatchObject({ code: 'SANDBOX_NOT_FOUND' });
  });

  it('a slow response is waited for', async () => {
    fixture.fake.injectFault({ kind: 'delay', delayMs: 200, operationId: CREATE });
    expect((await fixture.createSandbox().create()).state).toBe('running');
  });

  it('an events emitter that throws changes no outcome: create returns the running codespace, destroy deletes it', async () => {
    const events = {
      emit: () => {
        throw new Error('audit sink down');
      },
      on: () => () => {},
      off: () => {},
    } as unknown as SecurityEventEmitter;
    const sandbox = fixture.createSandbox({ events });
    const { id, state } = await sandbox.create();
    expect(state).toBe('running');
    await expect(sandbox.destroy(id)).resolves.toBeUndefined();
    expect(fixture.fake.codespaces.get(id)?.state ?? 'Gone').toMatch(/Deleted|Gone/);
  });
});
