import { execFileSync } from "node:child_process";
import path from "node:path";

/** The tests run the real hook program: bin/oxtail-hook and the built dist/main.mjs (Nx caches the build). */
export default function setup(): void {
  execFileSync("npx", ["nx", "run-many", "-t", "build", "--projects=@oxtail/hook", "--outputStyle=static"], {
    cwd: path.resolve(import.meta.dirname, "../../.."),
    stdio: "ignore",
  });
}
