/** What a child process reports to its parent over IPC. */
export type ChildMessage =
  | { type: 'ready' }
  | { type: 'change'; active: boolean; reason: string | undefined; at: number };

/** Wall-clock time in milliseconds with sub-millisecond resolution, comparable across processes. */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}
