/**
 * The console's static files.
 *
 * @module
 */
export { CONSOLE_SCRIPT } from './script.js';
export { CONSOLE_STYLES } from './styles.js';
