import {
  checkSandboxRequired,
  type InjectionSource,
  type KillSwitch,
  type Sandbox,
  type SecurityEngine,
} from '@warden/core';

/** The three ports a tool runner needs: policy, a place to run code, and a way to stop. */
export interface ToolRunnerPorts {
  engine: SecurityEngine;
  sandbox: Sandbox;
  killSwitch: KillSwitch;
}

/** What happened to one tool call: it ran (with its output), or why it did not. */
export type ToolRun = { ran: true; exitCode: number; stdout: string } | { ran: false; reason: string };

/** Runs `command` as `tool` for `source` in `session`, after every check has passed. */
export type RunTool = (source: InjectionSource, session: string, tool: string, command: string) => Promise<ToolRun>;

/** Returns the `runTool` function, which checks before it runs anything. */
export function createToolRunner({ engine, sandbox, killSwitch }: ToolRunnerPorts): RunTool {
  return async (source, session, tool, command) => {
    // 1. The kill switch first: while it is active, or its state is unknown, nothing runs.
    if (await killSwitch.isActive()) return { ran: false, reason: 'the kill switch is active' };

    // 2. Policy: may this source use this tool in this session? Deny wins over allow.
    const access = engine.checkToolAccess(source, session, tool);
    if (!access.allowed) return { ran: false, reason: access.reason ?? `${tool} is not allowed` };

    // 3. A fresh sandbox with the constraints policy sets for this source, always destroyed.
    const { constraints } = checkSandboxRequired(source, session, engine);
    const { id } = await sandbox.create(constraints);
    try {
      const result = await sandbox.execute(id, command);
      return { ran: true, exitCode: result.exitCode, stdout: result.stdout };
    } finally {
      await sandbox.destroy(id);
    }
  };
}
