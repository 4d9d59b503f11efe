import { shellQuote } from "@oxtail/core";
import { describe, expect, it } from "vitest";
import {
  type CommandHookGroup,
  commandLine,
  findCommandHooks,
  hookCommandMatcher,
  removeCommandHooks,
  setCommandHooks,
} from "../src/command-hooks.ts";
import { parseJsonc } from "../src/jsonc.ts";

const F = "/x/settings.json";
const ours = hookCommandMatcher("claude");
const groups = (program: string): CommandHookGroup[] => [
  {
    event: "PreToolUse",
    matcher: "*",
    hooks: [{ type: "command", command: commandLine(program, "claude", "PreToolUse"), timeout: 10 }],
  },
  {
    event: "Stop",
    hooks: [{ type: "command", command: commandLine(program, "claude", "Stop"), timeout: 10 }],
  },
];
const USER = `{
  // my own hooks
  "hooks": {
    "PreToolUse": [
      { "matcher": "Bash", "hooks": [{ "type": "command", "command": "my-linter" }] }
    ]
  },
  "theme": "dark"
}
`;

describe("hook command lines", () => {
  it("quotes only what needs quoting, and recognises oxtail's lines wherever the program lives", () => {
    expect(shellQuote("/usr/lib/oxtail-hook")).toBe("/usr/lib/oxtail-hook");
    expect(shellQuote("/home/a b/it's")).toBe("'/home/a b/it'\\''s'");
    const line = commandLine("/home/a b/oxtail-hook", "claude", "Stop");
    expect(line).toBe("'/home/a b/oxtail-hook' claude Stop");
    expect(ours(line)).toBe(true);
    expect(ours("/opt/oxtail-hook claude Sleep")).toBe(true);
    expect(ours("/opt/oxtail-hook codex Stop")).toBe(false);
    expect(ours("my-linter")).toBe(false);
  });
});

describe("setCommandHooks / removeCommandHooks", () => {
  it("adds oxtail's groups after the user's, is idempotent, and removal gives back every byte", () => {
    const out = setCommandHooks(USER, F, groups("/opt/oxtail-hook"), ours);
    expect(out).toContain("// my own hooks");
    const hooks = parseJsonc(out, F).hooks as Record<string, unknown[]>;
    expect(hooks.PreToolUse).toHaveLength(2);
    expect(hooks.Stop).toHaveLength(1);
    expect(setCommandHooks(out, F, groups("/opt/oxtail-hook"), ours)).toBe(out);
    expect(findCommandHooks(out, F, ours).map((g) => g.event)).toEqual(["PreToolUse", "Stop"]);
    expect(removeCommandHooks(out, F, ours)).toBe(USER);
  });

  it("writes a new file whole, and removal leaves {}", () => {
    const out = setCommandHooks(null, F, groups("/opt/oxtail-hook"), ours);
    expect(out.startsWith('{\n  "hooks": {\n    "PreToolUse": [\n      {\n        "matcher": "*",')).toBe(
      true,
    );
    expect(removeCommandHooks(out, F, ours)).toBe("{}\n");
  });

  it("re-points a moved hook program, leaving no old entry", () => {
    const first = setCommandHooks(USER, F, groups("/old/oxtail-hook"), ours);
    const moved = setCommandHooks(first, F, groups("/new place/oxtail-hook"), ours);
    expect(moved).not.toContain("/old/");
    expect(moved.match(/oxtail-hook' claude Stop/g)).toHaveLength(1);
    expect(removeCommandHooks(moved, F, ours)).toBe(USER);
  });

  it("takes only its own command out of a group it shares with the user's", () => {
    const shared = `{
  "hooks": {
    "Stop": [
      {
        "hooks": [
          { "type": "command", "command": "/opt/oxtail-hook claude Stop" },
          { "type": "command", "command": "notify-me" }
        ]
      }
    ]
  }
}
`;
    const out = removeCommandHooks(shared, F, ours) as string;
    expect(parseJsonc(out, F)).toEqual({
      hooks: { Stop: [{ hooks: [{ type: "command", command: "notify-me" }] }] },
    });
  });

  it("keeps another adapter's entries in the same file", () => {
    const codex = hookCommandMatcher("codex");
    const both = setCommandHooks(
      setCommandHooks(USER, F, groups("/opt/oxtail-hook"), ours),
      F,
      [{ event: "Stop", hooks: [{ type: "command", command: "/opt/oxtail-hook codex Stop" }] }],
      codex,
    );
    const withoutClaude = removeCommandHooks(both, F, ours) as string;
    expect(findCommandHooks(withoutClaude, F, codex)).toHaveLength(1);
    expect(removeCommandHooks(withoutClaude, F, codex)).toBe(USER);
  });

  it("formats inserted groups like the file (tabs, 4 spaces)", () => {
    const tabs = '{\n\t"hooks": {\n\t\t"Stop": [\n\t\t\t{\n\t\t\t\t"hooks": []\n\t\t\t}\n\t\t]\n\t}\n}\n';
    const out = setCommandHooks(tabs, F, groups("/opt/oxtail-hook"), ours);
    expect(out).toContain('\n\t\t\t{\n\t\t\t\t"hooks": [\n\t\t\t\t\t{\n\t\t\t\t\t\t"type": "command",');
    expect(out).not.toMatch(/^ +"/m);
    expect(removeCommandHooks(out, F, ours)).toBe(tabs);
    const four = '{\n    "theme": "dark"\n}\n';
    const out4 = setCommandHooks(four, F, groups("/opt/oxtail-hook"), ours);
    expect(out4).toContain(
      '\n    "hooks": {\n        "PreToolUse": [\n            {\n                "matcher": "*",',
    );
    expect(removeCommandHooks(out4, F, ours)).toBe(four);
  });
});
