import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * The client versions the harness runs. Claude Code 2.1.197 is the newest release whose
 * engines allow Node 20 (2.1.198+ declare node >= 22), so it is what users on Node 20 get;
 * Codex 0.169.0 was the latest when pinned. Both ship native binaries in npm packages.
 */
export const CLIENT_PACKAGES = {
  claude: { name: "@anthropic-ai/claude-code", version: "2.1.197", bin: "claude" },
  codex: { name: "@openai/codex", version: "0.169.0", bin: "codex" },
} as const;

/** A client the harness can run. */
export type ClientKind = keyof typeof CLIENT_PACKAGES;

/** Where installed clients are cached: `$OXTAIL_AGENTS_CACHE`, else `~/.cache/oxtail-agents`. */
export function cacheDir(): string {
  return (
    process.env.OXTAIL_AGENTS_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "oxtail-agents")
  );
}

/**
 * The path of the client's executable, installing the pinned package from npm into the
 * cache first when it is not there. Fails loudly (throws, with npm's output) when the
 * registry cannot supply it: tests that need a real client must not skip silently.
 */
export function ensureClient(kind: ClientKind): string {
  // OXTAIL_AGENTS_CLAUDE_VERSION / OXTAIL_AGENTS_CODEX_VERSION try another release than the pinned one.
  const override = process.env[`OXTAIL_AGENTS_${kind.toUpperCase()}_VERSION`];
  const pkg = override ? { ...CLIENT_PACKAGES[kind], version: override } : CLIENT_PACKAGES[kind];
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
