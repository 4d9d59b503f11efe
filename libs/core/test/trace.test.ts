import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createTracer } from "../src/trace/trace.ts";
import { tempDir } from "./helpers.ts";

describe("trace", () => {
  it("appends one NDJSON record per event, stamped with time and pid", () => {
    const file = path.join(tempDir(), "trace.ndjson");
    const tracer = createTracer(file);
    tracer.trace({ kind: "a", n: 1 });
    tracer.trace({ kind: "b", text: "line\nbreak" });
    const lines = fs
      .readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toMatchObject([
      { kind: "a", n: 1, pid: process.pid },
      { kind: "b", text: "line\nbreak" },
    ]);
    expect(Date.parse(lines[0].ts)).not.toBeNaN();
  });

  it("is silent without a file, and never throws when the file cannot be written", () => {
    expect(createTracer(undefined).enabled).toBe(false);
    const tracer = createTracer(path.join(tempDir(), "no", "such", "dir", "t.ndjson"));
    expect(() => tracer.trace({ kind: "x" })).not.toThrow();
  });
});
