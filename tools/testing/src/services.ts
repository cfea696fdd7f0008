import { describe, it } from 'vitest';

/** A real service an integration suite talks to, and the variable that locates it. */
export type IntegrationService = 'docker' | 'redis';

const SERVICE_VARIABLE: Record<IntegrationService, 'DOCKER_HOST' | 'REDIS_URL'> = {
  docker: 'DOCKER_HOST',
  redis: 'REDIS_URL',
};

/** True when tests run under CI, where a missing service is a failure, not a skip. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

/**
 * Declares an integration suite that needs `service`. The body receives the service address.
 * Under CI a missing service fails the suite; elsewhere the suite is skipped with one loud line
 * that names it — never silently.
 */
export function describeWithService(service: IntegrationService, title: string, body: (address: string) => void): void {
  const variable = SERVICE_VARIABLE[service];
  const address = process.env[variable];
  if (address) {
    describe(title, () => body(address));
    return;
  }
  if (isCi()) {
    describe(title, () => {
      it(`needs ${variable}`, () => {
        throw new Error(`${variable} is not set: CI requires the "${title}" suite to run (scripts/services up)`);
      });
    });
    return;
  }
  console.warn(
    `\n!!! SKIPPING integration suite "${title}": ${variable} is not set. ` +
      'Run `bash scripts/services up && source .services/env` to run it.\n',
  );
  describe.skip(title, () => {
    it(`needs ${variable}`, () => {});
  });
}
