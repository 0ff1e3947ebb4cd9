/** Every script the driver runs, by name. Each is one Lua source: the prelude plus its body. */
import { ACK } from './ack-1.js';
import { CANCEL, PAUSE, PRUNE, REPLAY } from './admin-1.js';
import { CLAIM } from './claim-1.js';
import { ADVANCE_CURSOR, CONFIGS, DELETE_CONFIG, PUT_CONFIG } from './config-1.js';
import { NAMESPACES, RESTORE } from './copy-1.js';
import { ENQUEUE } from './enqueue-1.js';
import { EXTEND } from './extend-1.js';
import { NACK } from './nack-1.js';
import { GET, LIST, QUEUES } from './read-1.js';
import { RECLAIM } from './reclaim-1.js';

export const SCRIPTS = {
  enqueue: ENQUEUE,
  claim: CLAIM,
  ack: ACK,
  nack: NACK,
  extend: EXTEND,
  reclaim: RECLAIM,
  get: GET,
  list: LIST,
  queues: QUEUES,
  pause: PAUSE,
  cancel: CANCEL,
  replay: REPLAY,
  prune: PRUNE,
  putConfig: PUT_CONFIG,
  deleteConfig: DELETE_CONFIG,
  configs: CONFIGS,
  advanceCursor: ADVANCE_CURSOR,
  restore: RESTORE,
  namespaces: NAMESPACES,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
