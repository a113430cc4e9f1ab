// This module is browser compatible.

/** A node of {@linkcode Stack}; the registry keeps its own data on it. */
export interface StackNode {
  prev: StackNode | undefined;
  next: StackNode | undefined;
  /** The stack the node is linked into, if any. */
  owner: Stack | undefined;
}

/**
 * A doubly linked LIFO stack: push, pop and removal of any node are O(1),
 * which keeps `register` and `unregister` constant-time however many
 * registrations there are (an array would need indexOf + splice).
 */
export class Stack {
  #top: StackNode | undefined;
  #bottom: StackNode | undefined;

  /** Links `node` on top. */
  push(node: StackNode): void {
    node.owner = this;
    node.next = undefined;
    node.prev = this.#top;
    if (this.#top) this.#top.next = node;
    else this.#bottom = node;
    this.#top = node;
  }

  /** Unlinks `node`; returns false if it was not in this stack. */
  remove(node: StackNode): boolean {
    if (node.owner !== this) return false;
    if (node.prev) node.prev.next = node.next;
    else this.#bottom = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.#top = node.prev;
    node.prev = node.next = node.owner = undefined;
    return true;
  }

  /** Unlinks and returns the top node. */
  pop(): StackNode | undefined {
    const node = this.#top;
    if (node) this.remove(node);
    return node;
  }

  /** The nodes, bottom first, left linked. */
  nodes(): StackNode[] {
    const nodes: StackNode[] = [];
    for (let node = this.#bottom; node; node = node.next) nodes.push(node);
    return nodes;
  }

  /** Unlinks every node, bottom first, and returns them. */
  drain(): StackNode[] {
    const nodes: StackNode[] = [];
    for (let node = this.#bottom; node; node = this.#bottom) {
      this.remove(node);
      nodes.push(node);
    }
    return nodes;
  }
}
