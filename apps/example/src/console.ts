import type { Server } from 'node:http';
import {
  type ConsoleAuditSource,
  type ConsoleHandler,
  type ConsoleToolPinsConfig,
  createConsole,
  createRecentEventsAuditSource,
} from '@warden/console';
import { createInjectionSource } from '@warden/core';
import type { HostContext } from './host-context.js';
import { recordedKillSwitch } from './kill-switch-changes.js';
import { approveAndRun, assertKillSwitchReleased, rejectRequest } from './pipeline.js';

/** What the host's console shows besides approvals, the kill switch and recent events. */
export interface HostConsoleExtras {
  /** MCP tool pins waiting for an operator (an `McpEnforcer` from `@warden/mcp` fits). */
  toolPins?: ConsoleToolPinsConfig;
  /**
   * The audit trail to show with its verification status: the host's `@warden/audit` log. Without
   * it, the page lists the events this process saw, unsigned.
   */
  audit?: ConsoleAuditSource;
}

/**
 * The operator console over the host's ports, at `/console`: operators sign in with the same
 * tokens as the HTTP API; approving runs the request through the same pipeline as
 * `POST /approvals/:id/approve` (kill switch, policy, rate limit, sandbox).
 */
export function createHostConsole(
  host: HostContext,
  onError: (error: unknown) => void,
  extras: HostConsoleExtras = {},
): ConsoleHandler {
  const recentEvents = extras.audit ? undefined : createRecentEventsAuditSource({ events: host.events });
  const audit = extras.audit ?? recentEvents;
  const handler = createConsole({
    operators: host.known.operators,
    approvals: {
      workflow: host.backends.workflow,
      async approve(requestId, approver) {
        await assertKillSwitchReleased(host, createInjectionSource('cli', { identity: { userId: approver } }));
        return approveAndRun(host, requestId, approver);
      },
      reject: (requestId, approver, reason) => rejectRequest(host, requestId, approver, reason),
    },
    killSwitch: recordedKillSwitch(host),
    audit,
    ...(extras.toolPins ? { toolPins: extras.toolPins } : {}),
    events: host.events,
    now: host.now,
    allowedHosts: host.config.server.consoleAllowedHosts,
    onError,
  });
  const closeConsole = handler.close;
  return Object.assign(handler, {
    close() {
      closeConsole();
      recentEvents?.close();
    },
  });
}

/**
 * Puts the console in front of the server's other request listeners (the host's HTTP API). While
 * `assertWritable` throws (the audit log cannot append), every request goes to those listeners
 * instead, whose fail-closed check answers 503: a decision that cannot be recorded is not made,
 * in the console (an approval that runs a request, a released kill switch) as in the API.
 */
export function mountConsole(server: Server, handler: ConsoleHandler, assertWritable: () => void): void {
  const others = server.listeners('request') as ((...args: unknown[]) => void)[];
  server.removeAllListeners('request');
  server.on('request', (request, response) => {
    const passOn = () => {
      for (const listener of others) listener(request, response);
    };
    if (!isWritable(assertWritable)) passOn();
    else handler(request, response, passOn);
  });
}

function isWritable(assertWritable: () => void): boolean {
  try {
    assertWritable();
    return true;
  } catch {
    return false;
  }
}
