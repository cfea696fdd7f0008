/**
 * Which process instance wrote a lock or a takeover claim, so that a pid reused after a crash and a
 * reboot (or after pids wrapped) is not taken for the writer. A pid alone names whichever process
 * has it now: a lock left by a crashed appender, whose pid now belongs to a shell of somebody else,
 * would be judged live and refuse every appender until an operator removed it.
 *
 * On Linux a process instance is its pid, its start time (field 22 of `/proc/<pid>/stat`, in clock
 * ticks since boot) and the boot it started in (`/proc/sys/kernel/random/boot_id`): a pid can be
 * reused within one boot, but never by a process starting at the same tick. Where `/proc` cannot be
 * read, there is no identity and the pid alone decides, as it did before.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';

/** A process instance: its start time since boot and the boot it started in. */
export interface ProcessInstance {
  /** Field 22 of `/proc/<pid>/stat`: clock ticks from boot to the process's start. */
  readonly startTicks: string;
  /** `/proc/sys/kernel/random/boot_id`: a UUID drawn at each boot. */
  readonly bootId: string;
}

/** How the identity is written into a lock's content: ` start=<ticks> boot=<uuid>`. */
const IDENTITY_FIELDS = / start=(\d{1,20}) boot=([0-9a-f-]{36})(?:\s|$)/;

/** The words a lock's content holds after its pid and token, naming `instance`. */
export function formatProcessInstance(instance: ProcessInstance): string {
  return ` start=${instance.startTicks} boot=${instance.bootId}`;
}

/** The process instance a lock's content names; undefined for content written without one (older locks). */
export function parseProcessInstance(content: string): ProcessInstance | undefined {
  const match = IDENTITY_FIELDS.exec(content);
  if (!match?.[1] || !match[2]) return undefined;
  return { startTicks: match[1], bootId: match[2] };
}

/**
 * The instance of process `pid` now running: undefined when no such process runs, `'unknown'`
 * when `/proc` cannot tell (not Linux, `/proc` not mounted, or hidden by `hidepid`).
 */
export async function runningProcessInstance(pid: number): Promise<ProcessInstance | 'unknown' | undefined> {
  const bootId = await currentBootId();
  if (bootId === undefined) return 'unknown';
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : 'unknown';
  }
  const startTicks = startTicksOf(stat);
  return startTicks === undefined ? 'unknown' : { startTicks, bootId };
}

/** This process's instance; undefined where `/proc` cannot tell. */
export async function ownProcessInstance(): Promise<ProcessInstance | undefined> {
  const instance = await runningProcessInstance(process.pid);
  return instance === 'unknown' ? undefined : instance;
}

/** The boot id of the running system, undefined where there is none to read. */
async function currentBootId(): Promise<string | undefined> {
  try {
    const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
    return /^[0-9a-f-]{36}$/.test(bootId) ? bootId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Field 22 (start time) of a `/proc/<pid>/stat` line. Field 2, the command name in parentheses,
 * may itself hold spaces and parentheses (any process can name itself `a) b c`), so the fields
 * are counted from after its last `)`, where field 3 begins.
 */
function startTicksOf(stat: string): string | undefined {
  const afterName = stat
    .slice(stat.lastIndexOf(')') + 1)
    .trim()
    .split(/\s+/);
  const startTicks = afterName[22 - 3];
  return startTicks !== undefined && /^\d{1,20}$/.test(startTicks) ? startTicks : undefined;
}
