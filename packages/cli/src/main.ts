#!/usr/bin/env node
/**
 * The `warden` executable.
 *
 * @module
 */
import { run } from './run.js';

process.exitCode = await run(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
