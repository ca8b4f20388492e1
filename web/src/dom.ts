/** A tiny DOM helper: elements from tag, attributes and children; text always as text, never as HTML. */
type Child = Node | string | number | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'object' ? child : String(child));
  }
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node as T;
}

export function replaceChildren(parent: HTMLElement, children: Node[]): void {
  parent.replaceChildren(...children);
}

export function setText(id: string, text: string): void {
  const node = byId(id);
  if (node.textContent !== text) node.textContent = text;
}

export function badge(status: string): HTMLSpanElement {
  return el('span', { class: `badge badge-${status}` }, status);
}

export function setBadge(id: string, status: string): void {
  const node = byId(id);
  node.className = `badge badge-${status}`;
  node.textContent = status;
}

export const time = (ms: number): string => new Date(ms).toLocaleTimeString();
export const fixed = (value: number | null, digits = 1): string => (value === null || !Number.isFinite(value) ? '–' : value.toFixed(digits));

/**
 * Makes `target`'s children equal to `children`, keeping every node that is already equal: a table
 * redrawn each second keeps its buttons (a click in progress is not lost) and only changed cells move.
 */
export function morphChildren(target: Element, children: Node[]): void {
  children.forEach((next, i) => {
    const current = target.childNodes[i];
    if (!current) target.append(next);
    else if (!current.isEqualNode(next)) morph(current, next);
  });
  while (target.childNodes.length > children.length) target.lastChild!.remove();
}

function morph(current: ChildNode, next: Node): void {
  if (!(current instanceof Element) || !(next instanceof Element) || current.tagName !== next.tagName) {
    current.replaceWith(next);
    return;
  }
  for (const { name } of [...current.attributes]) if (!next.hasAttribute(name)) current.removeAttribute(name);
  for (const { name, value } of [...next.attributes]) if (current.getAttribute(name) !== value) current.setAttribute(name, value);
  morphChildren(current, [...next.childNodes]);
}
