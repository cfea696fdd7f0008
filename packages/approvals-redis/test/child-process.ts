import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A Node process running one of this directory's TypeScript entries, read line by line. */
export interface ChildHandle {
  /** The process. */
  child: ChildProcess;
  /** Resolves with the next line the child prints on stdout. */
  nextLine(): Promise<string>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Starts `node --import tsx --conditions=warden-source test/<entry> ...args` from the package directory. */
export function startChild(entry: string, args: string[]): ChildHandle {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=warden-source', join('test', entry), ...args],
    { cwd: packageDir, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  const reader = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  reader.on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else lines.push(line);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    nextLine: () => {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      return new Promise((resolve, reject) => {
        waiting.push(resolve);
        exited.then((code) => reject(new Error(`${entry} exited with ${code} before printing a line`)));
      });
    },
  };
}
