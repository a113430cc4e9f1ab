// How sendOnExit and pending cut data into bodies (helpers/_send.ts's
// chunk): a string as it is, anything else but an array as its JSON, an array
// between its items into JSON arrays of at most the limit, in UTF-8 bytes.
// What is done with the bodies is test/unit/helpers/beacon.test.ts's and
// _pending.test.ts's.
import { describe, expect, test } from "vitest";
import { chunk } from "../../../helpers/_send.ts";

describe("chunk", () => {
  test("a string is sent as it is, anything else but an array as its JSON", () => {
    expect(chunk("plain text", 5)).toEqual(["plain text"]);
    expect(chunk({ a: 1 }, 100)).toEqual(['{"a":1}']);
    expect(chunk(42, 100)).toEqual(["42"]);
  });

  test("an array is cut between items into JSON arrays of at most max bytes", () => {
    // '"a"' is 3 bytes: ["a","a"] is 9, ["a","a","a"] is 13.
    expect(chunk(["a", "a"], 9)).toEqual(['["a","a"]']);
    expect(chunk(["a", "a"], 8)).toEqual(['["a"]', '["a"]']);
    expect(chunk(["a", "a", "a"], 13)).toEqual(['["a","a","a"]']);
    expect(chunk(["a", "a", "a"], 12)).toEqual(['["a","a"]', '["a"]']);
  });

  test("each new body is measured from its own start", () => {
    expect(chunk(["a", "a", "a", "a", "a"], 9)).toEqual(['["a","a"]', '["a","a"]', '["a"]']);
  });

  test("the limit is in UTF-8 bytes, not characters", () => {
    // '"é"' is 3 characters but 4 bytes: ["é","é"] is 9 characters, 11 bytes.
    expect(chunk(["é", "é"], 10)).toEqual(['["é"]', '["é"]']);
    expect(chunk(["é", "é"], 11)).toEqual(['["é","é"]']);
  });

  test("an item too large for any body gets a body of its own", () => {
    const large = "x".repeat(20);
    expect(chunk(["a", large, "b"], 10)).toEqual(['["a"]', `["${large}"]`, '["b"]']);
    expect(chunk([large], 10)).toEqual([`["${large}"]`]);
  });

  test("items JSON cannot represent become null, as in JSON.stringify of an array", () => {
    expect(chunk([undefined, () => {}, 1], 100)).toEqual(["[null,null,1]"]);
  });

  test("an empty array is one empty JSON array", () => {
    expect(chunk([], 100)).toEqual(["[]"]);
  });

  test("splits an array between items, each body a JSON array within the limit", () => {
    const items = Array.from({ length: 100 }, (_, index) => ({ index, pad: "x".repeat(40) }));
    const parts = chunk(items, 1000);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(new TextEncoder().encode(part).byteLength).toBeLessThanOrEqual(1000);
    expect(parts.flatMap((part) => JSON.parse(part))).toEqual(items);
  });

  test("keeps a string as it is and serializes anything else whole", () => {
    expect(chunk("plain", 10)).toEqual(["plain"]);
    expect(chunk({ a: 1 }, 10)).toEqual(['{"a":1}']);
  });
});
