/** Moved to src/dev/neon-http-server.ts (`edgeq dev`); re-exported for the tests and benchmarks. */
export * from '../../src/dev/neon-http-server.js';
