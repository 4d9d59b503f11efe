import fs from "node:fs";
import path from "node:path";

/** The package version of the server (from its package.json). */
export function readVersion(): string {
  for (const candidate of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, candidate), "utf8"));
      if (pkg.name === "oxtail" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // try the next
    }
  }
  return "0.0.0";
}
