import { execFileSync } from "node:child_process";
import path from "node:path";

/** The e2e tests run the built server (dist/main.mjs): build it (Nx caches) once before them. */
export default function setup(): void {
  execFileSync("npx", ["nx", "run", "oxtail:build", "--outputStyle=static"], {
    cwd: path.resolve(import.meta.dirname, "../../.."),
    stdio: "ignore",
  });
}
