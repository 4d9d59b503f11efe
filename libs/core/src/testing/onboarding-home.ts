// A temporary home for the onboarding group: lay out the user's files, photograph the tree, apply a
// plan the plain way, and do what `oxtail uninstall` does after the inverse (files setup created and
// left blank, and folders it made and left empty, go).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { FileChange } from "../adapter/onboarding.js";
import { isText } from "./_kit.js";

/** What applying plans made: files that did not exist, folders that did not exist. */
export interface Made {
  files: Set<string>;
  folders: string[];
}

/** Write the user's files (paths relative to `home`). */
export function layOut(home: string, files: Readonly<Record<string, string>>): void {
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(home, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
}

/** Every folder and file under `root`, with the files' bytes. */
export function photograph(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      const rel = path.relative(root, file);
      const st = fs.lstatSync(file);
      if (st.isDirectory()) {
        out[`${rel}/`] = "folder";
        walk(file);
      } else if (st.isSymbolicLink()) out[rel] = `link to ${fs.readlinkSync(file)}`;
      else out[rel] = fs.readFileSync(file).toString("utf8");
    }
  };
  walk(root);
  return out;
}

function current(file: string): string | null {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** A plan's changes are exact: inside `home`, each file once, `before` as the file is now, a real change. */
export function assertPlan(changes: readonly FileChange[], home: string, what: string): void {
  assert.ok(Array.isArray(changes), `${what} is a list of changes`);
  const seen = new Set<string>();
  for (const change of changes) {
    assert.ok(path.isAbsolute(change.path), `${what}: ${change.path} is an absolute path`);
    const rel = path.relative(home, change.path);
    assert.ok(
      rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel),
      `${what}: ${change.path} lies in the home it was made for (${home}): an adapter's onboarding writes only where its context points`,
    );
    assert.ok(!seen.has(change.path), `${what}: ${change.path} is changed once`);
    seen.add(change.path);
    assert.equal(change.before, current(change.path), `${what}: ${rel}'s before is the file as it is`);
    assert.notEqual(change.after, change.before, `${what}: ${rel} is a real change`);
    assert.ok(isText(change.what), `${what}: ${rel} says what it is`);
  }
}

/** Apply changes inside `home` as a plain writer would, recording what did not exist before. */
export function applyChanges(changes: readonly FileChange[], home: string, made: Made): void {
  assertPlan(changes, home, "the changes applied");
  for (const change of changes) {
    if (change.after === null) {
      fs.rmSync(change.path);
      continue;
    }
    const missing: string[] = [];
    for (let dir = path.dirname(change.path); !fs.existsSync(dir); dir = path.dirname(dir)) missing.push(dir);
    for (const dir of missing.reverse()) {
      fs.mkdirSync(dir);
      made.folders.push(dir);
    }
    if (change.before === null) made.files.add(change.path);
    fs.writeFileSync(change.path, change.after);
  }
}

/** Blank as uninstall sees a config it created: nothing, or an empty JSON object. */
const BLANK = /^\s*(\{\s*\})?\s*$/;

/** What uninstall does after the adapter's inverse: created files left blank go, then created folders left empty. */
export function tidyUp(made: Made): void {
  for (const file of made.files) {
    const text = current(file);
    if (text !== null && BLANK.test(text)) fs.rmSync(file);
  }
  for (const dir of [...made.folders].sort((a, b) => b.length - a.length)) {
    try {
      if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
    } catch {
      // gone already
    }
  }
}

/** Where a doctor check's command line was written: some file setup wrote holds it (raw or JSON-escaped). */
export function writtenBySetup(command: string, changes: readonly FileChange[]): boolean {
  const escaped = JSON.stringify(command).slice(1, -1);
  return changes.some((c) => c.after !== null && (c.after.includes(command) || c.after.includes(escaped)));
}
