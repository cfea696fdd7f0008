import { describe, expect, it } from 'vitest';
import { killSwitchChangeOptionsSchema, killSwitchReasonSchema } from './kill-switch.js';

describe('killSwitchReasonSchema and killSwitchChangeOptionsSchema', () => {
  // The attacker: whoever types a reason or an actor that reaches events, logs, terminals and
  // the console, trying to forge a line ("\nkill switch released by alice") or reorder one.
  const forged = [
    'stop\nkill switch deactivated by alice',
    'stop\u001b[2K',
    'stop\r',
    'stop\u2028x',
    'stop\u202egnp.exe',
  ];

  it('activate(reason) with a control character, line separator or bidirectional control is refused', () => {
    for (const reason of forged) expect(killSwitchReasonSchema.safeParse(reason).success).toBe(false);
    expect(killSwitchReasonSchema.safeParse('Security incident détecté 🚨').success).toBe(true);
  });

  it('an actor with a control character, line separator or bidirectional control is refused', () => {
    for (const actor of forged) expect(killSwitchChangeOptionsSchema.safeParse({ actor }).success).toBe(false);
    expect(killSwitchChangeOptionsSchema.safeParse({ actor: 'José' }).success).toBe(true);
  });
});
