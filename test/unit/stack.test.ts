// The linked stack under the registry (src/stack.ts): LIFO order, removal of
// any node in O(1) without breaking the links of the others, and ownership, so
// a node can be removed only from the stack it is in.
import { describe, expect, test } from "vitest";
import { Stack, type StackNode } from "../../src/stack.ts";

interface Named extends StackNode {
  readonly name: string;
}

const node = (name: string): Named => ({ name, prev: undefined, next: undefined, owner: undefined });

function stackOf(...names: string[]): { stack: Stack; nodes: Named[] } {
  const stack = new Stack();
  const nodes = names.map(node);
  for (const each of nodes) stack.push(each);
  return { stack, nodes };
}

/** Pops everything: the names, top first. */
const popAll = (stack: Stack): string[] => {
  const names: string[] = [];
  for (let top = stack.pop(); top; top = stack.pop()) names.push((top as Named).name);
  return names;
};

describe("push and pop", () => {
  test("pop returns the nodes last in, first out, then undefined", () => {
    const { stack } = stackOf("a", "b", "c");
    expect(popAll(stack)).toEqual(["c", "b", "a"]);
    expect(stack.pop()).toBeUndefined();
  });

  test("an empty stack pops undefined", () => {
    expect(new Stack().pop()).toBeUndefined();
  });

  test("a popped node belongs to no stack and has no links", () => {
    const { stack, nodes } = stackOf("a", "b");
    expect(stack.pop()).toBe(nodes[1]);
    expect(nodes[1]).toMatchObject({ owner: undefined, prev: undefined, next: undefined });
    expect(nodes[0]).toMatchObject({ owner: stack, prev: undefined, next: undefined });
  });

  test("a stack emptied by pops takes new nodes as a fresh one", () => {
    const { stack } = stackOf("a");
    stack.pop();
    stack.push(node("b"));
    stack.push(node("c"));
    expect(popAll(stack)).toEqual(["c", "b"]);
  });
});

describe("remove", () => {
  test.each([
    ["the top", "c", ["b", "a"]],
    ["a middle node", "b", ["c", "a"]],
    ["the bottom", "a", ["c", "b"]],
  ])("removing %s keeps the others in order", (_where, name, left) => {
    const { stack, nodes } = stackOf("a", "b", "c");
    expect(stack.remove(nodes.find((each) => each.name === name)!)).toBe(true);
    expect(popAll(stack)).toEqual(left);
  });

  test("removing the only node empties the stack, which still takes new nodes", () => {
    const { stack, nodes } = stackOf("a");
    expect(stack.remove(nodes[0]!)).toBe(true);
    expect(stack.pop()).toBeUndefined();
    stack.push(node("b"));
    expect(popAll(stack)).toEqual(["b"]);
  });

  test("a removed node has no owner and no links, and removing it again returns false", () => {
    const { stack, nodes } = stackOf("a", "b", "c");
    const middle = nodes[1]!;
    stack.remove(middle);
    expect(middle).toMatchObject({ owner: undefined, prev: undefined, next: undefined });
    expect(stack.remove(middle)).toBe(false);
    expect(popAll(stack)).toEqual(["c", "a"]);
  });

  test("a node of another stack is not removed, and neither stack changes", () => {
    const first = stackOf("a", "b", "c");
    const second = stackOf("x", "y", "z");
    const foreign = second.nodes[1]!;
    expect(first.stack.remove(foreign)).toBe(false);
    expect(foreign.owner).toBe(second.stack);
    expect(popAll(first.stack)).toEqual(["c", "b", "a"]);
    expect(popAll(second.stack)).toEqual(["z", "y", "x"]);
  });

  test("a node that was never pushed is not removed", () => {
    const { stack } = stackOf("a");
    expect(stack.remove(node("stranger"))).toBe(false);
    expect(popAll(stack)).toEqual(["a"]);
  });

  test("pushing a node again after removing it puts it on top", () => {
    const { stack, nodes } = stackOf("a", "b", "c");
    stack.remove(nodes[0]!);
    stack.push(nodes[0]!);
    expect(popAll(stack)).toEqual(["a", "c", "b"]);
  });
});

describe("drain", () => {
  test("returns every node, bottom first, and leaves the stack empty", () => {
    const { stack, nodes } = stackOf("a", "b", "c");
    expect(stack.drain().map((each) => (each as Named).name)).toEqual(["a", "b", "c"]);
    expect(stack.pop()).toBeUndefined();
    for (const each of nodes) expect(each).toMatchObject({ owner: undefined, prev: undefined, next: undefined });
  });

  test("an empty stack drains to an empty array", () => {
    expect(new Stack().drain()).toEqual([]);
  });

  test("a drained stack takes new nodes", () => {
    const { stack } = stackOf("a", "b");
    stack.drain();
    stack.push(node("c"));
    expect(popAll(stack)).toEqual(["c"]);
  });
});

describe("nodes", () => {
  test("lists every node, bottom first, and leaves them linked", () => {
    const { stack, nodes } = stackOf("a", "b", "c");
    stack.remove(nodes[1]!);
    expect(stack.nodes().map((each) => (each as Named).name)).toEqual(["a", "c"]);
    expect(popAll(stack)).toEqual(["c", "a"]);
  });

  test("an empty stack has none", () => {
    expect(new Stack().nodes()).toEqual([]);
  });
});
