/** Kept for imports written before test/support/wait.ts; new tests import from there. */
export { eventually, sleep } from '../support/wait.js';
