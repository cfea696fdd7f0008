#!/usr/bin/env node
/**
 * The `warden-mcp` executable.
 *
 * @module
 */
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2));
