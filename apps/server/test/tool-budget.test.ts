import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { modelVisibleBytes, TOOLDEFS_BUDGET_BYTES, toolDefinitions } from "../src/tool-definitions.ts";

// Every model request of every session carries the tools' definitions: they have a budget, and CI
// fails when a new tool or a longer description would break it (docs/tokens.md).
describe("the tool definitions a model reads", () => {
  const tools = toolDefinitions();

  it(`fit the budget of ${TOOLDEFS_BUDGET_BYTES} bytes, all tools together`, () => {
    expect(modelVisibleBytes(tools)).toBeLessThanOrEqual(TOOLDEFS_BUDGET_BYTES);
  });

  it("are what the build lists", () => {
    const built = path.join(import.meta.dirname, "../dist/tool-definitions.json");
    expect(JSON.parse(fs.readFileSync(built, "utf8"))).toEqual(JSON.parse(JSON.stringify(tools)));
  });

  it("carry no validation-only keywords, while the server still enforces them", () => {
    const listed = JSON.stringify(tools.map((t) => t.inputSchema));
    for (const keyword of ["maxLength", "minLength", "maximum", "minimum", "pattern"])
      expect(listed).not.toContain(`"${keyword}"`);
    // The full contract stays with the server: the schemas the client validates against are looser,
    // never stricter, than the server's.
    const send = tools.find((t) => t.name === "send_message");
    expect(send?.inputSchema.required).toEqual(["target", "body"]);
  });

  it("say in one sentence or two when to use each tool", () => {
    for (const tool of tools) {
      expect(tool.description?.length, tool.name).toBeGreaterThan(20);
      expect(tool.description?.length, tool.name).toBeLessThanOrEqual(120);
    }
  });
});
