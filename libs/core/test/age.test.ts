import { describe, expect, it } from "vitest";
import { ageOf } from "../src/text/age.ts";

describe("ageOf", () => {
  const now = Date.parse("2026-12-02T12:00:00.000Z");
  it("says how long ago in one short unit", () => {
    expect(ageOf("2026-12-02T11:59:58.500Z", now)).toBe("1s");
    expect(ageOf("2026-12-02T11:55:00.000Z", now)).toBe("5m");
    expect(ageOf("2026-12-02T09:00:00.000Z", now)).toBe("3h");
    expect(ageOf("2026-11-29T12:00:00.000Z", now)).toBe("3d");
  });
  it("is 0s for a time ahead of the clock, and null for none or garbage", () => {
    expect(ageOf("2026-12-02T12:00:05.000Z", now)).toBe("0s");
    expect(ageOf(null, now)).toBeNull();
    expect(ageOf("yesterday", now)).toBeNull();
  });
});
