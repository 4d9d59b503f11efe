import { describe, expect, it } from "vitest";
import { isOxtailError } from "../src/errors.ts";
import { createMessageId, isMessageId, isSessionId, messageIdTime, parseSessionId } from "../src/ids.ts";

describe("session ids", () => {
  it("accepts UUIDs of any version and lower-cases them", () => {
    expect(parseSessionId("3F2504E0-4F89-11D3-9A0C-0305E82C3301")).toBe(
      "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    );
    expect(isSessionId("019a7c3e-8f1d-7b2a-9c4e-123456789abc")).toBe(true);
  });

  it.each([
    "../../etc/passwd",
    "",
    "abc",
    "3f2504e0-4f89-11d3-9a0c-0305e82c3301/../x",
    "3f2504e0-4f89-11d3-9a0c-0305e82c330",
    " 3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    "3f2504e0-4f89-11d3-9a0c-0305e82c3301\n",
  ])("refuses %j with invalid-session-id", (bad) => {
    expect(() => parseSessionId(bad)).toThrowError(expect.objectContaining({ code: "invalid-session-id" }));
  });

  it("refuses non-strings", () => {
    for (const bad of [null, 42, {}, ["3f2504e0-4f89-11d3-9a0c-0305e82c3301"]]) {
      let caught: unknown;
      try {
        parseSessionId(bad);
      } catch (error) {
        caught = error;
      }
      expect(isOxtailError(caught, "invalid-session-id")).toBe(true);
    }
  });
});

describe("message ids", () => {
  it("are well-formed, unique and strictly increasing within a process", () => {
    const ids = Array.from({ length: 5000 }, () => createMessageId());
    expect(ids.every(isMessageId)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it("keep increasing when the clock steps back, and encode their time", () => {
    const a = createMessageId(2_000_000_000_000);
    const b = createMessageId(1_000_000_000_000);
    expect(b > a).toBe(true);
    expect(messageIdTime(a)).toBe(2_000_000_000_000);
  });

  it("are 24 characters, and ids of the first version's longer form are still read", () => {
    expect(createMessageId()).toHaveLength(24);
    expect(isMessageId("0193ab12cd34-00000000-1a2b3c4d")).toBe(true);
    expect(messageIdTime("0193ab12cd34-00000000-1a2b3c4d")).toBe(0x0193ab12cd34);
  });

  it("stay unique and ordered past 65 536 in one millisecond", () => {
    const at = 3_000_000_000_000;
    const ids = Array.from({ length: 70_000 }, () => createMessageId(at));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every(isMessageId)).toBe(true);
  });

  it("reject look-alikes", () => {
    expect(isMessageId("../0000000000-00000000-00000000")).toBe(false);
    expect(isMessageId("00000000000G-00000000-00000000")).toBe(false);
  });
});
