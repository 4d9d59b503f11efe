import { describe, expect, it } from "vitest";
import { findTomlBlock, parseToml, removeTomlBlock, setTomlBlock } from "../src/toml-block.ts";

const F = "/x/config.toml";
const M = { begin: "# >>> oxtail >>>", end: "# <<< oxtail <<<" };
const body = (cmd: string) => `[mcp_servers.oxtail]\ncommand = ${JSON.stringify(cmd)}\nargs = []\n`;
const CONFIG = `# my codex config
model = "gpt-x"   # keep this comment

[mcp_servers.other]
command = "other-mcp"
`;

describe("marked TOML blocks", () => {
  for (const [name, text] of [
    ["a config", CONFIG],
    ["one ending in a blank line", `${CONFIG}\n`],
    ["an empty file", ""],
    ["CRLF", CONFIG.replaceAll("\n", "\r\n")],
  ] as const) {
    it(`appends a block and removes it byte-exactly: ${name}`, () => {
      const out = setTomlBlock(text, F, M, body("/opt/oxtail"));
      expect((parseToml(out, F).mcp_servers as Record<string, { command: string }>).oxtail?.command).toBe(
        "/opt/oxtail",
      );
      expect(out.startsWith(text)).toBe(true);
      expect(setTomlBlock(out, F, M, body("/opt/oxtail"))).toBe(out);
      expect(removeTomlBlock(out, F, M)).toBe(text);
    });
  }

  it("replaces the block in place (re-pointing), keeping what follows it", () => {
    const out = `${setTomlBlock(CONFIG, F, M, body("/old"))}\n[profiles.x]\nmodel = "y"\n`;
    const moved = setTomlBlock(out, F, M, body("/new"));
    expect(moved).toBe(out.replace('"/old"', '"/new"'));
    expect(findTomlBlock(moved, M, F)?.body).toBe(body("/new"));
  });

  it("refuses broken TOML and a block without its end, changing nothing", () => {
    expect(() => setTomlBlock("model = = x\n", F, M, body("/x"))).toThrow(/config\.toml is not valid TOML/);
    expect(() => removeTomlBlock(`${M.begin}\nx = 1\n`, F, M)).toThrow(/not its end marker/);
    // A block whose result would not parse (a table defined twice) is refused too.
    expect(() => setTomlBlock('[mcp_servers.oxtail]\ncommand = "mine"\n', F, M, body("/x"))).toThrow(
      /not valid TOML/,
    );
  });
});
