import { describe, expect, it } from "vitest";
import { CLIENT_PACKAGES, clientVersion, testedVersions } from "../src/install.ts";

describe("which client releases the suite runs", () => {
  it.each(["claude", "codex"] as const)(
    "%s: the pinned release is the first its adapter lists as tested",
    (kind) => {
      const tested = testedVersions(kind);
      expect(tested[0]).toBe(CLIENT_PACKAGES[kind].version);
      expect(tested.length).toBeGreaterThan(1);
    },
  );

  it("gemini: the pinned release is the first its adapter lists as tested", () => {
    expect(testedVersions("gemini")[0]).toBe(CLIENT_PACKAGES.gemini.version);
  });

  it("opencode: the pinned release is the one its adapter lists as tested", () => {
    expect(testedVersions("opencode")[0]).toBe(CLIENT_PACKAGES.opencode.version);
  });

  it("pinned by default, the adapter's newest with OXTAIL_AGENTS_VERSIONS=newest, an explicit version first", () => {
    expect(clientVersion("codex", {})).toBe(CLIENT_PACKAGES.codex.version);
    expect(clientVersion("codex", { OXTAIL_AGENTS_VERSIONS: "newest" })).toBe(testedVersions("codex").at(-1));
    expect(
      clientVersion("claude", { OXTAIL_AGENTS_VERSIONS: "newest", OXTAIL_AGENTS_CLAUDE_VERSION: "2.1.200" }),
    ).toBe("2.1.200");
    expect(() => clientVersion("claude", { OXTAIL_AGENTS_VERSIONS: "latest" })).toThrow(/pinned" or "newest/);
  });
});
