import { describe, expect, it } from "vitest";
import { renderDiff } from "../src/diff.ts";

describe("renderDiff", () => {
  it("shows a unified diff with context, line numbers and what the change is", () => {
    const before = ["{", '  "a": 1,', '  "b": 2,', '  "c": 3,', '  "d": 4,', '  "e": 5', "}", ""].join("\n");
    const after = before.replace('  "c": 3,', '  "c": 3,\n  "x": 9,');
    expect(renderDiff({ path: "/h/f.json", before, after, what: "hooks" }, 2)).toBe(
      [
        "--- /h/f.json",
        "+++ /h/f.json  (hooks)",
        "@@ -3,4 +3,5 @@",
        '   "b": 2,',
        '   "c": 3,',
        '+  "x": 9,',
        '   "d": 4,',
        '   "e": 5',
      ].join("\n"),
    );
  });

  it("diffs a new file against /dev/null and a removed one to it", () => {
    expect(renderDiff({ path: "/h/n", before: null, after: "one\ntwo\n", what: "skill" })).toBe(
      "--- /dev/null\n+++ /h/n  (skill)\n@@ -0,0 +1,2 @@\n+one\n+two",
    );
    expect(renderDiff({ path: "/h/n", before: "one\n", after: null, what: "skill" })).toBe(
      "--- /h/n\n+++ /dev/null  (skill)\n@@ -1,1 +0,0 @@\n-one",
    );
  });

  it("keeps far-apart edits in separate hunks", () => {
    const lines = Array.from({ length: 30 }, (_, i) => `l${i}`);
    const after = [...lines];
    after[2] = "X";
    after[25] = "Y";
    const out = renderDiff({
      path: "f",
      before: `${lines.join("\n")}\n`,
      after: `${after.join("\n")}\n`,
      what: "w",
    });
    expect(out.match(/^@@/gm)).toHaveLength(2);
    expect(out).toContain("-l2\n+X");
  });
});
