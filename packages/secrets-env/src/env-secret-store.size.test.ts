import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createEnvSecretStore } from './env-secret-store.js';

// The attacker chooses the values an application stores: a value from a request or a model's
// output. Linux refuses to start any program (E2BIG) once one variable passes 128 KiB or the
// environment and arguments together pass ARG_MAX, so one oversized `set` on process.env would
// stop the process from ever running a child again. What must hold: children still start.

const PREFIX = 'WARDEN_SECRETS_ENV_SIZE_';

afterEach(() => {
  for (const variable of Object.keys(process.env)) if (variable.startsWith(PREFIX)) delete process.env[variable];
});

/** True when this process can still start a program. */
function childStarts(): boolean {
  return spawnSync('true').error === undefined;
}

describe('createEnvSecretStore() on process.env: values an attacker sizes', () => {
  it('set(name, value) of a value past what one variable may hold throws INVALID_INPUT; children still start', async () => {
    const store = createEnvSecretStore({ prefix: PREFIX });
    await expect(store.set('big', 'a'.repeat(140_000))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(process.env[`${PREFIX}BIG`]).toBeUndefined();
    expect(childStarts()).toBe(true);
  });

  it('set(name, value) that would take the environment past 1 MiB throws QUOTA_EXCEEDED; children still start', async () => {
    const store = createEnvSecretStore({ prefix: PREFIX });
    const outcomes = [];
    for (let index = 0; index < 30; index++) {
      outcomes.push(
        await store.set(`value-${index}`, 'a'.repeat(100_000)).then(
          () => 'set',
          (error) => error.code,
        ),
      );
    }
    expect(outcomes).toContain('QUOTA_EXCEEDED');
    expect(childStarts()).toBe(true);
    await store.set('value-0', 'small'); // replacing a value frees its room
    await store.delete('value-1');
    expect(process.env[`${PREFIX}VALUE_0`]).toBe('small');
  });
});
