#!/usr/bin/env node
/**
 * The `warden` executable.
 *
 * @module
 */
import { escapeTerminalText } from '@warden/core';
import { EXIT } from './io.js';
import { run } from './run.js';

// `run` turns every failure into an exit code; one that surfaces after it (an error event of a
// socket, or of standard output when the reader went away) would end the process with Node's 1,
// which `kill-switch status` uses for "active" and `audit verify` for "tampered".
process.on('uncaughtException', (error) => {
  try {
    const message = escapeTerminalText(String(error));
    process.stderr.write(`warden: internal error (exit ${EXIT.internal}): ${message}\n`);
  } catch {
    // Standard error is gone as well: the exit code says it.
  }
  process.exit(EXIT.internal);
});

process.exitCode = await run(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
