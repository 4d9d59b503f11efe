import { describe, expect, it } from "vitest";
import { ERROR_CODES, isOxtailError, OxtailError } from "../src/errors.ts";

describe("OxtailError", () => {
  it("carries a code, data, an origin-prefixed message and the bare detail", () => {
    const error = new OxtailError("not-found", "No agent named x.", {
      origin: "core",
      data: { target: "x" },
    });
    expect(error.code).toBe("not-found");
    expect(error.data).toEqual({ target: "x" });
    expect(error.message).toBe("[oxtail] [core] No agent named x.");
    expect(error.detail).toBe("No agent named x.");
    expect(isOxtailError(error, "not-found")).toBe(true);
    expect(isOxtailError(error, "out-of-scope")).toBe(false);
  });

  it("is recognised by brand, as if made by another copy of core", () => {
    const foreign = Object.assign(new Error("x"), { code: "not-found" });
    Object.defineProperty(foreign, Symbol.for("oxtail.error"), { value: true });
    expect(foreign instanceof OxtailError).toBe(true);
    expect(new Error("plain") instanceof OxtailError).toBe(false);
    expect(isOxtailError(null)).toBe(false);
  });

  it("lists every SPEC §3 error code", () => {
    for (const code of [
      "out-of-scope",
      "not-found",
      "ambiguous-target",
      "no-transcript",
      "invalid-session-id",
      "body-too-large",
      "no-self-message",
      "peer-has-no-session-id",
    ]) {
      expect(ERROR_CODES).toContain(code);
    }
  });
});
