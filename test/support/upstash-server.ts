/** Moved to src/dev/upstash-server.ts (`edgeq dev`); re-exported for the tests and benchmarks. */
export * from '../../src/dev/upstash-server.js';
