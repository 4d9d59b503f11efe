import { execFileSync } from "node:child_process";
import { listPublishable, REPO_ROOT } from "@oxtail/check-package";

/** The smoke test packs what `npm run build` made: build the publishable packages first (Nx caches). */
export default function setup(): void {
  const projects = listPublishable().map((pkg) => pkg.manifest.name);
  execFileSync(
    "npx",
    ["nx", "run-many", "-t", "build", `--projects=${projects.join(",")}`, "--outputStyle=static"],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
}
