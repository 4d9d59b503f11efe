import fs from "node:fs";
import path from "node:path";

/** Every entry under `root`: its path, type, mode and bytes (or a link's target), for byte-compares. */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      const rel = path.relative(root, file);
      const st = fs.lstatSync(file);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out[rel] = `link ${fs.readlinkSync(file)}`;
      else if (st.isDirectory()) {
        out[rel] = `dir ${mode}`;
        walk(file);
      } else out[rel] = `file ${mode} ${fs.readFileSync(file).toString("base64")}`;
    }
  };
  walk(root);
  return out;
}
