/**
 * Choosing a machine type from the constraints. A codespace is a whole virtual machine: it
 * cannot be limited below its size, so `maxMemoryMb` and `maxCpuPercent` are honoured by picking
 * the largest machine within both limits, and refused when even the smallest is bigger.
 *
 * @module
 */
import { CapabilityUnsupportedError, type SandboxConstraints } from '@warden/core';
import { shownWord } from './codespace-answers.js';
import type { CodespaceMachine } from './codespaces-api.js';

const MIB = 1024 * 1024;

/** The limits a machine enforces, in the port's units. */
export function machineLimits(machine: Pick<CodespaceMachine, 'cpus' | 'memory_in_bytes'>): {
  maxMemoryMb: number;
  maxCpuPercent: number;
} {
  return { maxMemoryMb: Math.floor(machine.memory_in_bytes / MIB), maxCpuPercent: machine.cpus * 100 };
}

function fits(machine: CodespaceMachine, constraints: SandboxConstraints): boolean {
  const limits = machineLimits(machine);
  return (
    (constraints.maxMemoryMb === undefined || limits.maxMemoryMb <= constraints.maxMemoryMb) &&
    (constraints.maxCpuPercent === undefined || limits.maxCpuPercent <= constraints.maxCpuPercent)
  );
}

/**
 * Returns the machine to use: `requested` when set (it must fit the limits), otherwise the
 * largest machine within the limits (the smallest machine when there are none).
 *
 * @throws CapabilityUnsupportedError when no machine fits, or the requested one is unknown or too big.
 */
export function chooseMachine(
  machines: readonly CodespaceMachine[],
  constraints: SandboxConstraints,
  requested: string | undefined,
): CodespaceMachine {
  const bySize = [...machines].sort((a, b) => a.memory_in_bytes - b.memory_in_bytes || a.cpus - b.cpus);
  if (requested !== undefined) {
    const machine = bySize.find((candidate) => candidate.name === requested);
    if (!machine)
      throw unsupported(`machine "${requested}" is not available for this repository (available: ${names(bySize)})`);
    if (!fits(machine, constraints))
      throw unsupported(`machine "${requested}" ${describe(machine)} exceeds the requested limits`);
    return machine;
  }
  const limited = constraints.maxMemoryMb !== undefined || constraints.maxCpuPercent !== undefined;
  const candidates = limited ? bySize.filter((machine) => fits(machine, constraints)) : bySize.slice(0, 1);
  const chosen = limited ? candidates.at(-1) : candidates[0];
  if (!chosen) {
    const smallest = bySize[0];
    throw unsupported(
      `no machine is within maxMemoryMb ${constraints.maxMemoryMb ?? 'any'} and maxCpuPercent ${constraints.maxCpuPercent ?? 'any'}` +
        (smallest ? `; the smallest is ${describe(smallest)}` : '; the repository offers none'),
    );
  }
  return chosen;
}

/**
 * Checks that GitHub runs the codespace on the machine chosen for it. GitHub may run another one
 * (a devcontainer's `hostRequirements` demand a bigger machine; an answer is wrong), and the
 * status would then report limits the codespace does not have.
 *
 * @throws CapabilityUnsupportedError when the machine differs from `chosen` or is not reported.
 */
export function requireChosenMachine(running: CodespaceMachine | null, chosen: CodespaceMachine): void {
  if (running?.name === chosen.name) return;
  const actual = running ? `"${shownWord(running.name)}" ${describe(running)}` : 'a machine it does not report';
  throw unsupported(
    `GitHub runs the codespace on ${actual}, not on the chosen "${shownWord(chosen.name)}" ${describe(chosen)}` +
      " (a devcontainer's hostRequirements can demand a bigger machine)",
  );
}

function describe(machine: CodespaceMachine): string {
  const { maxMemoryMb, maxCpuPercent } = machineLimits(machine);
  return `(${maxCpuPercent / 100} cores, ${maxMemoryMb} MiB)`;
}

function names(machines: readonly CodespaceMachine[]): string {
  return machines.map((machine) => shownWord(machine.name)).join(', ') || 'none';
}

function unsupported(problem: string): CapabilityUnsupportedError {
  return new CapabilityUnsupportedError({
    message: `Codespaces cannot enforce these limits: ${problem}. A codespace is a whole virtual machine; use the Docker sandbox for smaller limits`,
  });
}
