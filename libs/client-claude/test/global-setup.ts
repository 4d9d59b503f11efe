import { execFileSync } from "node:child_process";
import path from "node:path";

/**
 * The sleeper tests run the real programs: bin/oxtail-claude-sleeper and the hook program it hands the
 * mail to (`@oxtail/hook`'s bin/oxtail-hook with its built dist/main.mjs; Nx caches the build).
 */
export default function setup(): void {
  execFileSync("npx", ["nx", "run", "@oxtail/hook:build", "--outputStyle=static"], {
    cwd: path.resolve(import.meta.dirname, "../../.."),
    stdio: "ignore",
  });
}
