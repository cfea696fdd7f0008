import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildMessage } from './child-protocol.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHILD_ENTRY = join('test', 'kill-switch-child.ts');

/** A child process and the changes it reported. */
export interface Child {
  readonly process: ChildProcess;
  readonly changes: Array<Extract<ChildMessage, { type: 'change' }>>;
}

/** Command line that runs the child entry from TypeScript sources. */
export function childCommand(args: string[]): string[] {
  return ['--import', 'tsx', '--conditions=warden-source', CHILD_ENTRY, ...args];
}

function spawnChild(args: string[]): Promise<Child> {
  const child = spawn(process.execPath, childCommand(args), {
    cwd: packageDir,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const changes: Child['changes'] = [];
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`child ${args.join(' ')} exited with ${code} before ready`)));
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') resolve({ process: child, changes });
      else changes.push(message);
    });
  });
}

/** Starts `count` children in `mode` (`switch` or `pubsub`) and waits until every one is subscribed. */
export async function startChildren(
  count: number,
  mode: 'switch' | 'pubsub',
  url: string,
  target: string,
): Promise<Child[]> {
  const children: Child[] = [];
  // A few at a time: fifty Node processes starting at once on two cores time each other out.
  for (let start = 0; start < count; start += 5) {
    const batch = Array.from({ length: Math.min(5, count - start) }, () => spawnChild([mode, url, target]));
    children.push(...(await Promise.all(batch)));
  }
  return children;
}

/** Asks every child to stop and waits for it to exit by itself; kills those that do not within `timeoutMs`. */
export async function stopChildren(children: Child[], timeoutMs = 10_000): Promise<{ exitedByThemselves: number }> {
  const exits = children.map(
    (child) =>
      new Promise<boolean>((resolve) => {
        if (child.process.exitCode !== null) return resolve(true);
        const timer = setTimeout(() => {
          child.process.kill('SIGKILL');
          resolve(false);
        }, timeoutMs);
        child.process.once('exit', () => {
          clearTimeout(timer);
          resolve(true);
        });
        child.process.send({ type: 'stop' });
      }),
  );
  const exited = await Promise.all(exits);
  return { exitedByThemselves: exited.filter(Boolean).length };
}

/**
 * Waits until every child has reported a change matching `expected` and returns the latest
 * time any of them saw it. Checks on each message (no polling, which would steal CPU from
 * the children being measured).
 */
export function waitUntilAllSee(
  children: Child[],
  expected: (change: Child['changes'][number]) => boolean,
  timeoutMs = 10_000,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const seenAt = (): Array<number | undefined> => children.map((child) => child.changes.find(expected)?.at);
    const finish = (): void => {
      clearTimeout(timer);
      for (const child of children) child.process.off('message', check);
    };
    const check = (): void => {
      const times = seenAt();
      if (!times.every((at) => at !== undefined)) return;
      finish();
      resolve(Math.max(...(times as number[])));
    };
    const timer = setTimeout(() => {
      finish();
      const missing = seenAt().filter((at) => at === undefined).length;
      reject(new Error(`${missing} of ${children.length} children did not see the change within ${timeoutMs} ms`));
    }, timeoutMs);
    // Listeners added after spawnChild's own, so the change is recorded before it is checked.
    for (const child of children) child.process.on('message', check);
    check();
  });
}
