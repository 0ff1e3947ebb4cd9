/**
 * Configures the zod the request path validates with: `zod/mini`, the tree-shakable build of
 * zod 4 (same schemas, checks and error shapes as classic zod). Classic zod attaches every method
 * and its JSON Schema converter to every schema, so all of it lands in every Worker; mini ships
 * only what the schemas use. Mini loads no locale by itself, and its messages would all read
 * "Invalid input": the English one is set here, from its own module.
 *
 * Modules that build schemas import this file for its effect, then zod/mini as a namespace
 * (`import * as z from 'zod/mini'`): a namespace that is only read from is tree-shaken, while
 * one re-exported as a value drags the whole library (all 40 locales too) into the bundle.
 *
 * @example
 * import '../validation/z.js';
 * import * as z from 'zod/mini';
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
