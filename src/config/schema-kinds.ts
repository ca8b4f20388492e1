/**
 * What kind of value the configuration schema takes at a key path, read from the zod schema
 * itself: the environment layer (env.ts) types a variable by it, so a key with no default (an
 * optional section such as `region`, or an unset option) is read as the number or boolean it must
 * be, as a key with a default is.
 */

/** The kinds the environment layer tells apart; `other` is any value it passes on as a string. */
export type SchemaKind = 'number' | 'boolean' | 'object' | 'other';

/** The part of a zod 4 schema's definition this reads (`schema._zod.def`). */
interface SchemaDef {
  type: string;
  innerType?: SchemaNode;
  in?: SchemaNode;
  shape?: Record<string, SchemaNode>;
  valueType?: SchemaNode;
  options?: readonly SchemaNode[];
}

interface SchemaNode {
  _zod: { def: SchemaDef };
}

const isNode = (value: unknown): value is SchemaNode =>
  typeof value === 'object' && value !== null && typeof (value as { _zod?: { def?: { type?: unknown } } })._zod?.def?.type === 'string';

/** The schema itself, past the wrappers that do not change what it takes (optional, default, a pipe's input...). */
function unwrap(node: SchemaNode): SchemaNode {
  let at = node;
  for (let depth = 0; depth < 32; depth++) {
    const def = at._zod.def;
    const next = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (!next || !isNode(next)) return at;
    at = next;
  }
  return at;
}

function kindOf(node: SchemaNode): SchemaKind {
  const def = unwrap(node)._zod.def;
  if (def.type === 'number' || def.type === 'int' || def.type === 'float') return 'number';
  if (def.type === 'boolean') return 'boolean';
  if (def.type === 'object' || def.type === 'record') return 'object';
  return 'other';
}

/** The schemas `key` may have under `node`: an object's field, a record's values, each option of a union. */
function childrenAt(node: SchemaNode, key: string): SchemaNode[] {
  const def = unwrap(node)._zod.def;
  if (def.type === 'object') {
    const child = def.shape?.[key];
    return child && isNode(child) ? [child] : [];
  }
  if (def.type === 'record') return def.valueType && isNode(def.valueType) ? [def.valueType] : [];
  if (def.type === 'union') return (def.options ?? []).filter(isNode).flatMap((option) => childrenAt(option, key));
  return [];
}

/**
 * The kind the schema takes at `path` (keys from the top), or undefined when the schema has no such
 * key; when a union's options disagree, `other`.
 */
export function schemaKindAt(schema: unknown, path: readonly string[]): SchemaKind | undefined {
  if (!isNode(schema)) return undefined;
  let nodes: SchemaNode[] = [schema];
  for (const key of path) {
    nodes = nodes.flatMap((node) => childrenAt(node, key));
    if (nodes.length === 0) return undefined;
  }
  const kinds = new Set(nodes.map(kindOf));
  return kinds.size === 1 ? [...kinds][0] : 'other';
}
