/** What a child process reports to its parent over IPC. */
export type ChildMessage =
  | { type: 'ready' }
  | {
      type: 'change';
      active: boolean;
      reason: string | undefined;
      at: number;
      /** The child's CPU time so far (user + system, µs), when it measures it (the benchmark). */
      cpuMicros?: number;
    };

/** Wall-clock time in milliseconds with sub-millisecond resolution, comparable across processes. */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}
