import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKillSwitchContract } from '@warden/contract-tests';
import { createFileKillSwitch } from './file-kill-switch.ts';

runKillSwitchContract({
  name: 'file (in the add-a-backend guide)',
  // A fresh file switch is unknown and denies until released: the suite checks that, then
  // releases each subject before the tests that start from an inactive switch.
  capabilities: { freshStateUnknown: true },
  createSubject: async () => {
    const directory = mkdtempSync(join(tmpdir(), 'warden-file-kill-switch-'));
    return {
      subject: createFileKillSwitch({ path: join(directory, 'kill-switch.json') }),
      cleanup: async () => rmSync(directory, { recursive: true, force: true }),
    };
  },
});
