/**
 * The shared authorization workload (`shared/bench/authz-workload`): where it is, generating its
 * files into the repository's git-ignored `.bench/` directory, and reading them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A grant as `gen.js` writes it (the capability-algebra shape). */
interface WorkloadGrant {
  id: string;
  scope: string;
  resource: string;
  actions: string[];
  constraints: Array<{ type: 'time-window' | 'budget'; params: Record<string, number> }>;
  grantedTo: string;
  expiresAt: number | null;
  revoked: boolean;
  delegatable: boolean;
  parentCapabilityId: null;
}

/** A grant folded into one inclusive time window and one budget, as the translators use it. */
export interface NormalizedGrant {
  id: string;
  agent: string;
  scope: string;
  resource: string;
  actions: string[];
  tStart: number | null;
  tEnd: number | null;
  budgetLimit: number | null;
}

/** The check stream: parallel columns, one entry per check. */
interface CheckStream {
  n: number;
  agent: Int32Array;
  scope: Int32Array;
  resource: Int32Array;
  action: Int32Array;
  now: Float64Array;
  budgetUsed: Int32Array;
  expected: Uint8Array;
}

/** The workload's string tables and helpers (`workload.js`). */
interface WorkloadTables {
  AGENTS: string[];
  SCOPES: string[];
  RESOURCES: string[];
  ACTIONS: string[];
  normalize(grant: WorkloadGrant): NormalizedGrant;
  readChecks(file: string): CheckStream;
}

/** Everything a benchmark needs. */
export interface Workload {
  directory: string;
  tables: WorkloadTables;
  grants: WorkloadGrant[];
  checks: CheckStream;
}

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Finds the workload (env `WARDEN_AUTHZ_WORKLOAD`, else `../shared/bench/authz-workload` from the repository root). */
function locateWorkload(): string {
  const directory = process.env.WARDEN_AUTHZ_WORKLOAD ?? resolve(repositoryRoot, '../shared/bench/authz-workload');
  for (const file of ['gen.js', 'workload.js']) {
    if (!existsSync(join(directory, file))) {
      throw new Error(
        `The shared authorization workload is missing: ${join(directory, file)} does not exist. ` +
          'Set WARDEN_AUTHZ_WORKLOAD to the directory holding gen.js and workload.js ' +
          '(by default ../shared/bench/authz-workload next to the repository).',
      );
    }
  }
  return directory;
}

/**
 * Generates grants.json and checks.bin into `.bench/authz-workload` and reads them; with
 * `generate: false` (a child process of the same run) reads what the run generated.
 */
export function loadWorkload(options: { generate?: boolean } = {}): Workload {
  const directory = locateWorkload();
  const output = join(repositoryRoot, '.bench', 'authz-workload');
  if (options.generate !== false) {
    execFileSync(process.execPath, [join(directory, 'gen.js'), output], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const tables = createRequire(import.meta.url)(join(directory, 'workload.js')) as WorkloadTables;
  const grants = JSON.parse(readFileSync(join(output, 'grants.json'), 'utf8')) as WorkloadGrant[];
  return { directory, tables, grants, checks: tables.readChecks(join(output, 'checks.bin')) };
}
