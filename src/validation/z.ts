/**
 * Configures the zod the request path validates with: `zod/mini`, the tree-shakable build of
 * zod 4 (same schemas, checks and error shapes as classic zod). Classic zod attaches every method
 * and its JSON Schema converter to every schema, so all of it lands in every Worker; mini ships
 * only what the schemas use. Mini loads no locale by itself, and its messages would all read
 * "Invalid input": the English one is set here, from its own module.
 *
 * Modules that build schemas import their helpers from this file (which also sets the locale),
 * then zod/mini as a namespace (`import * as z from 'zod/mini'`): a namespace that is only read
 * from is tree-shaken, while one re-exported as a value drags the whole library (all 40
 * locales too) into the bundle.
 *
 * @example
 * import { int } from '../validation/z.js';
 * import * as z from 'zod/mini';
 * const leaseMs = int(1_000, 3_600_000);
 */
import { config, gte, int as integer, lte } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

/** A whole number in [min, max]. */
export const int = (min: number, max: number) => integer().check(gte(min), lte(max));
