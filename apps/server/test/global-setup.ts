import { execFileSync } from "node:child_process";
import path from "node:path";

/** The e2e tests run the built server (dist/main.mjs) and load the built example adapter: build both (Nx caches). */
export default function setup(): void {
  execFileSync(
    "npx",
    ["nx", "run-many", "-t", "build", "--projects=oxtail,oxtail-client-plainlog", "--outputStyle=static"],
    {
      cwd: path.resolve(import.meta.dirname, "../../.."),
      stdio: "ignore",
    },
  );
}
