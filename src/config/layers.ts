/** Merging configuration layers while remembering which layer set each value. */

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** Merges `layer` into `target` (in place); every leaf it sets records `source` under its dotted path. */
export function mergeLayer(target: PlainObject, layer: PlainObject, source: string | ((path: string) => string), sources: Map<string, string>, prefix = ''): void {
  for (const [key, value] of Object.entries(layer)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(value)) {
      const existing = target[key];
      const child: PlainObject = isPlainObject(existing) ? existing : {};
      target[key] = child;
      if (!isPlainObject(existing)) sources.set(path, typeof source === 'string' ? source : source(path));
      mergeLayer(child, value, source, sources, path);
    } else {
      target[key] = value;
      sources.set(path, typeof source === 'string' ? source : source(path));
    }
  }
}

/** The source that set `path`, or the nearest ancestor's. */
export function sourceOf(sources: ReadonlyMap<string, string>, path: string): string {
  for (let p = path; p !== ''; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
    const found = sources.get(p);
    if (found !== undefined) return found;
  }
  return 'defaults';
}

/** The value at a dotted path, or undefined. */
export function getPath(root: unknown, path: string): unknown {
  let node = root;
  for (const key of path.split('.')) {
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** A deep copy of plain objects and arrays. */
export function clonePlain<T>(value: T): T {
  return structuredClone(value);
}
