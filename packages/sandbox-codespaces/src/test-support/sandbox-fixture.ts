/**
 * A GitHub sandbox wired to the OpenAPI-validating fake and a fake `gh`, for tests.
 *
 * @module
 */
import type { Sandbox } from '@warden/core';
import { type GitHubFake, type GitHubFakeConfig, startGitHubFake } from '@warden/github-fake';
import { createGhSshTransport } from '../gh-ssh-transport.js';
import { createGitHubSandbox } from '../github-sandbox.js';
import type { GitHubSandboxConfig } from '../github-sandbox-settings.js';
import { type FakeGh, installFakeGh } from './fake-gh.js';

/** The fake GitHub, the fake `gh`, and a factory for sandboxes on them. */
export interface SandboxFixture {
  fake: GitHubFake;
  gh: FakeGh;
  /** A sandbox on the fake (a new one plays a restarted process). */
  createSandbox(overrides?: Partial<GitHubSandboxConfig>): Sandbox;
  /** Stops the fake (throwing on recorded violations) and removes the fake `gh`. */
  dispose(): Promise<void>;
}

/** Starts the fake GitHub (10 ms per codespace state) and writes a fake `gh`. */
export async function startSandboxFixture(
  options: { fake?: GitHubFakeConfig; isolateTmp?: boolean } = {},
): Promise<SandboxFixture> {
  const fake = await startGitHubFake({ codespaceStepMs: 10, ...options.fake });
  const gh = await installFakeGh({ isolateTmp: options.isolateTmp });
  return {
    fake,
    gh,
    createSandbox: (overrides = {}) =>
      createGitHubSandbox({
        token: fake.userToken,
        baseUrl: fake.url,
        owner: fake.owner,
        repo: 'sandbox',
        pollIntervalMs: 5,
        retryDelayUnitMs: 5,
        minWriteIntervalMs: 0,
        transport: createGhSshTransport({ env: gh.env }),
        ...overrides,
      }),
    dispose: async () => {
      try {
        await fake.close();
      } finally {
        await gh.cleanup();
      }
    },
  };
}
