/** Moved to src/dev/faults.ts (`edgeq dev`); re-exported for the tests and benchmarks. */
export * from '../../src/dev/faults.js';
