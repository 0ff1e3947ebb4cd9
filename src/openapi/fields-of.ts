/**
 * JSON Schemas read for people: the rows of a field table (name, type, required, notes) for the
 * reference page (./docs.tsx). Pure functions over the generated document.
 */
import type { JsonSchema } from './types.js';

const REF = '#/components/schemas/';

/** One row of a field table. `ref` names the component the type links to, when it is one. */
export interface FieldRow {
  name: string;
  type: string;
  ref?: string;
  required: boolean;
  constraints: string;
  description: string;
}

/** The component a `$ref` names (`JobView` for `#/components/schemas/JobView`). */
export function refName(schema: JsonSchema): string | undefined {
  return schema.$ref?.startsWith(REF) ? schema.$ref.slice(REF.length) : undefined;
}

const literal = (v: unknown) => JSON.stringify(v);

/** A short type: `integer`, `string (date-time)`, `array of ClaimedJob`, `"queued" | "dead"`. */
export function typeText(s: JsonSchema): { type: string; ref?: string } {
  const ref = refName(s);
  if (ref) return { type: ref, ref };
  if (s.const !== undefined) return { type: literal(s.const) };
  if (s.enum) return { type: s.enum.map(literal).join(' | ') };
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) {
    const parts = alternatives.map((a) => typeText(a));
    // A union of one component and others still links to the component, for navigation.
    const linked = parts.find((p) => p.ref);
    return {
      type: parts.map((p) => p.type).join(' or '),
      ...(linked?.ref ? { ref: linked.ref } : {}),
    };
  }
  if (s.type === 'array') {
    const item = s.items ? typeText(s.items) : { type: 'any' };
    return { type: `array of ${item.type}`, ...(item.ref ? { ref: item.ref } : {}) };
  }
  if (s.type === undefined) return { type: 'any JSON value' };
  const type = Array.isArray(s.type) ? s.type.join(' or ') : s.type;
  return { type: s.format ? `${type} (${s.format})` : type };
}

/** Bounds and patterns: `1 to 100`, `at most 256 characters`, `matches ^[A-Za-z0-9_-]{1,64}$`. */
export function constraintText(s: JsonSchema): string {
  const out: string[] = [];
  const range = (lo: number | undefined, hi: number | undefined, unit = '') => {
    if (lo !== undefined && hi !== undefined) out.push(`${fmt(lo)} to ${fmt(hi)}${unit}`);
    else if (lo !== undefined) out.push(`at least ${fmt(lo)}${unit}`);
    else if (hi !== undefined) out.push(`at most ${fmt(hi)}${unit}`);
  };
  range(s.minimum, s.maximum);
  range(s.minLength, s.maxLength, ' characters');
  range(s.minItems, s.maxItems, ' items');
  if (s.pattern) out.push(`matches ${s.pattern}`);
  return out.join('; ');
}

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * The fields of an object schema as rows, nested objects flattened into dotted names
 * (`rate.limit`); a field whose type is a component links to it instead of repeating it.
 */
export function fieldRows(schema: JsonSchema, prefix = ''): FieldRow[] {
  const rows: FieldRow[] = [];
  const required = new Set(schema.required ?? []);
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const full = prefix + name;
    const { type, ref } = typeText(field);
    rows.push({
      name: full,
      type,
      ...(ref ? { ref } : {}),
      required: required.has(name),
      constraints: constraintText(field),
      description: field.description ?? '',
    });
    if (field.properties) rows.push(...fieldRows(field, `${full}.`));
    // An array of inline objects: its items' fields, as `enqueue[].queue`.
    if (field.type === 'array' && field.items?.properties) {
      rows.push(...fieldRows(field.items, `${full}[].`));
    }
    // Inline alternatives (a backoff of one of three shapes): each one's fields, once.
    for (const alt of field.anyOf ?? field.oneOf ?? []) {
      if (alt.properties) rows.push(...fieldRows(alt, `${full}.`));
    }
  }
  return dedupe(rows);
}

/** Alternatives that share field names (`jitter` in two backoff shapes) list them once. */
function dedupe(rows: FieldRow[]): FieldRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = `${r.name}\u0000${r.type}\u0000${r.constraints}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
