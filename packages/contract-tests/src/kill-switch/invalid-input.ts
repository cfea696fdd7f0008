import { InvalidInputError, type KillSwitch, type KillSwitchState } from '@warden/core';
import { expect, it } from 'vitest';

async function expectInvalidInput(action: () => Promise<unknown>, label: string): Promise<void> {
  const error = await action().then(
    () => expect.fail(`${label}: expected INVALID_INPUT, but the call resolved`),
    (caught: unknown) => caught,
  );
  expect(InvalidInputError.isInstance(error), `${label}: ${String(error)}`).toBe(true);
  expect((error as InvalidInputError).code).toBe('INVALID_INPUT');
  // Words are not checked, only that the error explains itself and names the fields at fault.
  expect((error as InvalidInputError).message.trim(), `${label}: message`).not.toBe('');
  for (const issue of (error as InvalidInputError).issues) {
    expect(typeof issue.path, `${label}: issue path`).toBe('string');
    expect(issue.message.trim(), `${label}: issue message`).not.toBe('');
  }
}

/**
 * Reasons the port refuses: empty, blank, over 1,000 characters, not a string, and text that
 * would read as something else where it is shown or stored (a forged second line, a terminal
 * escape, a bidirectional override, a lone surrogate, which UTF-8 cannot hold).
 */
const BAD_REASONS: ReadonlyArray<[string, unknown]> = [
  ['an empty reason', ''],
  ['a whitespace-only reason', ' \t\n '],
  ['a reason of 1,001 characters', 'x'.repeat(1001)],
  ['a huge reason', 'x'.repeat(1_000_000)],
  ['a number as reason', 42],
  ['undefined as reason', undefined],
  ['a reason forging a second line', 'incident\nreleased by alice'],
  ['a reason holding a terminal escape', 'incident \u001b[2K'],
  ['a reason holding a bidirectional override', 'incident \u202eecila yb desaeler'],
  ['a reason holding a lone surrogate', 'incident \ud83d'],
];

/** Change options the port refuses: blank or over-long actors, wrong types, unknown fields, text as for reasons. */
const BAD_OPTIONS: ReadonlyArray<[string, unknown]> = [
  ['an empty actor', { actor: '' }],
  ['an actor of 201 characters', { actor: 'a'.repeat(201) }],
  ['a number as actor', { actor: 7 }],
  ['an actor forging a second line', { actor: 'alice\nbob' }],
  ['an actor holding a bidirectional override', { actor: 'alice\u202e' }],
  ['an actor holding a lone surrogate', { actor: 'alice\udc00' }],
  ['an unknown option', { actor: 'alice', force: true }],
  ['a string as options', 'alice'],
];

function comparable(state: KillSwitchState): unknown {
  return { active: state.active, reason: state.reason, actor: state.actor, changedAt: state.changedAt };
}

/** Bad input is refused with INVALID_INPUT and changes nothing. */
export function registerKillSwitchInvalidInput(subject: () => Promise<KillSwitch>): void {
  it.each(BAD_REASONS)('activate(reason) with %s throws INVALID_INPUT and changes nothing', async (label, reason) => {
    const killSwitch = await subject();
    const heard: KillSwitchState[] = [];
    killSwitch.onChange((state) => heard.push(state));
    await expectInvalidInput(() => killSwitch.activate(reason as string), label);
    expect(await killSwitch.isActive()).toBe(false);
    expect(heard).toEqual([]);
  });

  it.each(BAD_OPTIONS)('activate(reason, options) with %s throws INVALID_INPUT', async (label, options) => {
    const killSwitch = await subject();
    await expectInvalidInput(() => killSwitch.activate('valid reason', options as { actor?: string }), label);
    expect(await killSwitch.isActive()).toBe(false);
  });

  it('activate(badReason) on an active switch keeps the reason, actor and time', async () => {
    const killSwitch = await subject();
    await killSwitch.activate('the real incident', { actor: 'alice' });
    const before = comparable(await killSwitch.getState());
    await expectInvalidInput(() => killSwitch.activate('   ', { actor: 'mallory' }), 'blank reason');
    await expectInvalidInput(() => killSwitch.activate('valid', { actor: '' }), 'empty actor');
    expect(comparable(await killSwitch.getState())).toEqual(before);
  });

  it.each(BAD_OPTIONS)(
    'deactivate(options) with %s throws INVALID_INPUT and leaves it active',
    async (label, options) => {
      const killSwitch = await subject();
      await killSwitch.activate('stays active');
      const heard: KillSwitchState[] = [];
      killSwitch.onChange((state) => heard.push(state));
      await expectInvalidInput(() => killSwitch.deactivate(options as { actor?: string }), label);
      expect(await killSwitch.isActive()).toBe(true);
      expect(await killSwitch.getReason()).toBe('stays active');
      expect(heard).toEqual([]);
    },
  );
}
