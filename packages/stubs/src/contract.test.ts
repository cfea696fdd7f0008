import { runKillSwitchContract } from '@warden/contract-tests';
import { createStubKillSwitch } from './stub-kill-switch.js';

runKillSwitchContract({
  name: 'stub',
  createSubject: async () => ({ subject: createStubKillSwitch(), cleanup: async () => {} }),
});
