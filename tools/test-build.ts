// Vitest global setup for every test run of the repository: tests run built programs (the server's
// dist/main.mjs, the hook program, the example adapter), so everything is built once, before any
// test starts (Nx caches: after `npm run build` this is a no-op). One build at the start, not one per
// project: a project's build would rewrite a dist/ that another project's tests are running.
import { execFileSync } from "node:child_process";
import path from "node:path";

export default function setup(): void {
  execFileSync("npx", ["nx", "run-many", "-t", "build", "--outputStyle=static"], {
    cwd: path.resolve(import.meta.dirname, ".."),
    stdio: "ignore",
  });
}
