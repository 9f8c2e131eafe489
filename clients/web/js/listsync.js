// Keyed in-place list rendering: the container's children follow `items` in order; an item's node is
// created once (create(item) -> { el, ... }), then only updated (update(node, item)); nodes of items
// that went away are removed. Nothing is rebuilt, so focus, scroll and running videos survive.

export class KeyedList {
  constructor(container, { key, create, update }) {
    this.container = container;
    this.key = key;
    this.create = create;
    this.update = update;
    this.nodes = new Map(); // key -> node
  }

  sync(items) {
    const keep = new Set();
    items.forEach((item, i) => {
      const k = this.key(item);
      keep.add(k);
      let node = this.nodes.get(k);
      if (!node) {
        node = this.create(item);
        this.nodes.set(k, node);
      }
      this.update(node, item);
      const at = this.container.children[i];
      if (at !== node.el) this.container.insertBefore(node.el, at || null);
    });
    for (const [k, node] of this.nodes) {
      if (!keep.has(k)) {
        node.el.remove();
        this.nodes.delete(k);
      }
    }
  }

  get(k) {
    return this.nodes.get(k);
  }

  get size() {
    return this.nodes.size;
  }

  forEach(fn) {
    for (const [k, node] of this.nodes) fn(node, k);
  }
}

// Sets text only when it changed (avoids style recalculation on 580 rows every second).
export function setText(el, text) {
  const s = String(text);
  if (el.textContent !== s) el.textContent = s;
}

export function setFlag(el, name, on) {
  const v = on ? '1' : '0';
  if (el.dataset[name] !== v) el.dataset[name] = v;
}
