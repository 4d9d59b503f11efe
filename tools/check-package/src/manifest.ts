import type { PackageManifest } from "./workspace.ts";

/** The export condition that points workspace tools at `src/` (AGENTS.md); never used by a user. */
export const SOURCE_CONDITION = "@oxtail/source";

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isHttps = (value: unknown): boolean => typeof value === "string" && /^https:\/\/\S+$/.test(value);

/** Each subpath's conditions, as `[subpath, conditions]`; a string target counts as `{ default }`. */
export function exportEntries(manifest: PackageManifest): [string, Record<string, unknown>][] {
  const exports = manifest.exports;
  if (!isRecord(exports)) return [];
  return Object.entries(exports).map(([subpath, target]) => [
    subpath,
    isRecord(target) ? target : { default: target },
  ]);
}

/**
 * What a user or the registry reads in a publishable package.json (STYLE.md rule 15), as a list
 * of problems (empty: all good). `folder` is the package's folder in the repository.
 */
export function checkManifest(manifest: PackageManifest, folder: string): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  need(manifest.type === "module", '"type" must be "module" (the packages are ESM only)');
  need(
    typeof manifest.description === "string" && manifest.description.length >= 20,
    '"description" must say what the package is',
  );
  need(manifest.license === "MIT", '"license" must be "MIT" (the LICENSE file)');
  need(typeof manifest.author === "string" && manifest.author.length > 0, '"author" is missing');
  need(manifest.sideEffects === false, '"sideEffects" must be false');
  need(isRecord(manifest.engines) && typeof manifest.engines.node === "string", '"engines.node" is missing');

  const keywords = Array.isArray(manifest.keywords) ? manifest.keywords : [];
  need(keywords.length >= 4, '"keywords": at least four, to be found on the registry');
  need(keywords.includes("oxtail"), '"keywords" must include "oxtail"');
  // A plugin oxtail loads (a client adapter, a wake strategy) is found on the registry by this keyword.
  if (/^libs\/(client|wake)-/.test(folder))
    need(
      keywords.includes("oxtail-adapter"),
      'an adapter or wake strategy (libs/client-*, libs/wake-*) needs keyword "oxtail-adapter"',
    );

  const repository = isRecord(manifest.repository) ? manifest.repository : {};
  need(
    repository.type === "git" &&
      typeof repository.url === "string" &&
      /^git\+https:\/\/\S+\.git$/.test(repository.url),
    '"repository" must be { type: "git", url: "git+https://….git" }',
  );
  need(repository.directory === folder, `"repository.directory" must be "${folder}"`);
  need(isHttps(manifest.homepage), '"homepage" must be an https URL');
  need(isRecord(manifest.bugs) && isHttps(manifest.bugs.url), '"bugs.url" must be an https URL');
  if (manifest.name.startsWith("@")) {
    const publish = isRecord(manifest.publishConfig) ? manifest.publishConfig : {};
    need(publish.access === "public", 'a scoped package needs "publishConfig": { "access": "public" }');
  }

  const files = Array.isArray(manifest.files) ? manifest.files : null;
  need(files?.includes("dist") === true, '"files" must list "dist"');
  need(
    files === null || !files.some((f) => /^(\.\/)?(src|test)(\/|$)/.test(String(f))),
    '"files" must not ship src/ or test/',
  );

  const entries = exportEntries(manifest);
  need(entries.length > 0, '"exports" is missing');
  need(
    isRecord(manifest.exports) && manifest.exports["./package.json"] === "./package.json",
    '"exports" must map "./package.json"',
  );
  for (const [subpath, conditions] of entries) {
    // Data files (package.json, JSON assets) have no types to come first.
    if (subpath.endsWith(".json")) continue;
    const keys = Object.keys(conditions);
    if (keys.includes(SOURCE_CONDITION))
      need(keys[0] === SOURCE_CONDITION, `exports["${subpath}"]: "${SOURCE_CONDITION}" must come first`);
    const published = keys.filter((key) => key !== SOURCE_CONDITION);
    need(published[0] === "types", `exports["${subpath}"]: "types" must be the first published condition`);
    need(published.at(-1) === "default", `exports["${subpath}"]: "default" must be the last condition`);
    for (const key of published) {
      const target = conditions[key];
      need(
        typeof target === "string" && target.startsWith("./dist/"),
        `exports["${subpath}"]["${key}"] must be a file under ./dist/`,
      );
    }
  }
  if (manifest.bin !== undefined)
    need(
      isRecord(manifest.bin) && Object.values(manifest.bin).every((t) => typeof t === "string"),
      '"bin" must map command names to files',
    );
  return problems;
}
