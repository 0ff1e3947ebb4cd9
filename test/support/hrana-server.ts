/** Moved to src/dev/hrana-server.ts (`edgeq dev`); re-exported for the tests and benchmarks. */
export * from '../../src/dev/hrana-server.js';
