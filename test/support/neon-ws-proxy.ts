/** Moved to src/dev/neon-ws-proxy.ts (`edgeq dev`); re-exported for the tests and benchmarks. */
export * from '../../src/dev/neon-ws-proxy.js';
