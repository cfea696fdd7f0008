#!/usr/bin/env node
/**
 * Entry point of the `warden-audit` binary.
 *
 * @module
 */
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
