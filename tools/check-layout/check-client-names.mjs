// Part of `npm run lint`: no code outside an adapter names a client (SPEC §4, second version). The
// server, the hook program, core, the tmux wake and the onboarding toolkit loop over the adapters
// they load; only libs/client-<name>/ knows its client. The names checked are the adapters' own:
// the `<name>` of every libs/client-<name> folder, and the clients' human names they declare.
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
/** Where client names must not appear: the source of every package that is not a client adapter. */
const CHECKED = ["libs/*/src", "libs/*/bin", "apps/*/src", "apps/*/bin", "apps/*/scripts"];
const EXTENSIONS = /\.(ts|mts|mjs|js|sh)$|^[^.]+$/;

const adapters = fs
  .readdirSync(path.join(ROOT, "libs"))
  .filter((name) => name.startsWith("client-"))
  .map((name) => name.slice("client-".length));
const words = new Set(adapters);
for (const name of adapters) {
  const index = path.join(ROOT, "libs", `client-${name}`, "src", "index.ts");
  const display = /displayName:\s*"([^"]+)"/.exec(fs.readFileSync(index, "utf8"))?.[1];
  if (display) words.add(display.split(/\s+/)[0].toLowerCase());
}
const pattern = new RegExp(`\\b(${[...words].join("|")})\\b`, "i");

function* files(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile() && EXTENSIONS.test(entry.name)) yield full;
  }
}

const problems = [];
for (const glob of CHECKED) {
  const [top, , sub] = glob.split("/");
  for (const pkg of fs.readdirSync(path.join(ROOT, top))) {
    if (pkg.startsWith("client-")) continue;
    const dir = path.join(ROOT, top, pkg, sub);
    if (!fs.existsSync(dir)) continue;
    for (const file of files(dir)) {
      fs.readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          const hit = pattern.exec(line);
          if (hit)
            problems.push(
              `${path.relative(ROOT, file)}:${i + 1}: names the client "${hit[1]}": ${line.trim()}`,
            );
        });
    }
  }
}
if (problems.length > 0) {
  process.stderr.write(
    `check-client-names: only libs/client-*/ may name a client; move this knowledge into the adapter:\n${problems.join("\n")}\n`,
  );
  process.exit(1);
}
process.stdout.write(
  `check-client-names: no client named outside libs/client-* (${[...words].join(", ")})\n`,
);
