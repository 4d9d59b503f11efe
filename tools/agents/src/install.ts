import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import claudeAdapter from "@oxtail/client-claude";
import codexAdapter from "@oxtail/client-codex";
import geminiAdapter from "@oxtail/client-gemini";
import openCodeAdapter from "@oxtail/client-opencode";

/**
 * The client versions the harness runs. Claude Code 2.1.197 is the newest release whose
 * engines allow Node 20 (2.1.198+ declare node >= 22), so it is what users on Node 20 get;
 * Codex 0.169.0 was the latest when pinned; OpenCode 1.18.33 too (a ~177 MB native binary, no
 * engines field); all three ship native binaries in npm packages. Gemini CLI 0.61.0 (engines
 * node >= 20) is plain JavaScript: a Node bundle, ~96 MB installed.
 */
export const CLIENT_PACKAGES = {
  claude: { name: "@anthropic-ai/claude-code", version: "2.1.197", bin: "claude" },
  codex: { name: "@openai/codex", version: "0.169.0", bin: "codex" },
  gemini: { name: "@google/gemini-cli", version: "0.61.0", bin: "gemini" },
  opencode: { name: "opencode-ai", version: "1.18.33", bin: "opencode" },
} as const;

/** A client the harness can run. */
export type ClientKind = keyof typeof CLIENT_PACKAGES;

/** The releases each client's adapter says the suite runs (`requirements.testedVersions`). */
export function testedVersions(kind: ClientKind): string[] {
  const adapter =
    kind === "claude"
      ? claudeAdapter()
      : kind === "codex"
        ? codexAdapter()
        : kind === "gemini"
          ? geminiAdapter()
          : openCodeAdapter();
  return adapter.requirements.testedVersions ?? [];
}

/**
 * The release of `kind` the harness runs: `OXTAIL_AGENTS_<KIND>_VERSION` when set; with
 * `OXTAIL_AGENTS_VERSIONS=newest` the newest release the adapter lists as tested (what users on
 * the native installer or Node 22 run; `npm run test:agents:newest`); else the pinned one.
 */
export function clientVersion(kind: ClientKind, env: NodeJS.ProcessEnv = process.env): string {
  const override = env[`OXTAIL_AGENTS_${kind.toUpperCase()}_VERSION`];
  if (override) return override;
  const which = env.OXTAIL_AGENTS_VERSIONS ?? "pinned";
  if (which === "pinned") return CLIENT_PACKAGES[kind].version;
  if (which === "newest") {
    const newest = testedVersions(kind).at(-1);
    if (!newest) throw new Error(`[oxtail] [agents] The ${kind} adapter lists no testedVersions.`);
    return newest;
  }
  throw new Error(
    `[oxtail] [agents] OXTAIL_AGENTS_VERSIONS is "pinned" or "newest", not ${JSON.stringify(which)}.`,
  );
}

/**
 * True when this run (`OXTAIL_AGENTS_VERSIONS=newest`) would run the same release of `kind` as the pinned
 * run: its tests have run already in `npm run test:agents`, and skip.
 */
export function newestIsPinned(kind: ClientKind, env: NodeJS.ProcessEnv = process.env): boolean {
  return (
    env.OXTAIL_AGENTS_VERSIONS === "newest" && testedVersions(kind).at(-1) === CLIENT_PACKAGES[kind].version
  );
}

/** Where installed clients are cached: `$OXTAIL_AGENTS_CACHE`, else `~/.cache/oxtail-agents`. */
export function cacheDir(): string {
  return (
    process.env.OXTAIL_AGENTS_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "oxtail-agents")
  );
}

/**
 * The path of the client's executable, installing its package ({@link clientVersion}) from npm into the
 * cache first when it is not there. Fails loudly (throws, with npm's output) when the
 * registry cannot supply it: tests that need a real client must not skip silently.
 */
export function ensureClient(kind: ClientKind): string {
  const pkg = { ...CLIENT_PACKAGES[kind], version: clientVersion(kind) };
  const dir = path.join(cacheDir(), `${kind}-${pkg.version}`);
  const bin = path.join(dir, "node_modules", ".bin", pkg.bin);
  if (fs.existsSync(bin) && fs.existsSync(path.join(dir, ".installed"))) return bin;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "package.json"),
    `${JSON.stringify({ name: `oxtail-agents-${kind}`, private: true }, null, 2)}\n`,
  );
  try {
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--no-save", `${pkg.name}@${pkg.version}`], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      encoding: "utf8",
      timeout: 600_000,
    });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(
      `[oxtail] [agents] Could not install ${pkg.name}@${pkg.version} from npm: ${e.message}\n${e.stderr ?? ""}${e.stdout ?? ""}`,
    );
  }
  if (!fs.existsSync(bin))
    throw new Error(`[oxtail] [agents] ${pkg.name}@${pkg.version} installed but ${bin} is missing.`);
  fs.writeFileSync(path.join(dir, ".installed"), new Date().toISOString());
  return bin;
}
