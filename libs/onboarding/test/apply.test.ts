import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FileChange } from "@oxtail/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applySetup, applyUninstall, planUninstall, setupAdapters } from "../src/apply.ts";
import { readConfigText } from "../src/files.ts";
import { readSetupManifest, setupManifestPath } from "../src/manifest.ts";
import { snapshot } from "./snapshot.ts";

let root: string;
let oxtailHome: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-apply-"));
  oxtailHome = path.join(root, ".oxtail");
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const at = (...p: string[]) => path.join(root, ...p);
const setupFor = { oxtailHome: "", scope: { adapter: "demo", hooksOnly: false } };
const opts = (over: Partial<typeof setupFor.scope> = {}) => ({
  oxtailHome,
  scope: { ...setupFor.scope, ...over },
});
const change = (file: string, after: string | null, what = "entry"): FileChange => ({
  path: file,
  before: readConfigText(file),
  after,
  what,
});
/** The inverse edit a demo adapter would plan: drop the line `+oxtail` it added. */
const inverse = (file: string): FileChange[] => {
  const text = readConfigText(file);
  return text?.includes("+oxtail\n") ? [change(file, text.replace("+oxtail\n", ""))] : [];
};
async function uninstall(files: string[], over: Partial<typeof setupFor.scope> = {}) {
  return applyUninstall(planUninstall(files.flatMap(inverse), opts(over)), opts(over));
}

describe("applySetup → uninstall", () => {
  it("restores an existing file byte-exactly and leaves no manifest, backup or data folder", async () => {
    fs.writeFileSync(at("conf"), "mine\n", { mode: 0o640 });
    const before = snapshot(root);
    const applied = await applySetup([change(at("conf"), "mine\n+oxtail\n")], opts());
    expect(applied).toEqual([{ path: at("conf"), what: "entry", action: "updated" }]);
    expect(fs.statSync(at("conf")).mode & 0o777).toBe(0o640);
    const manifest = readSetupManifest(oxtailHome);
    expect(manifest.files[at("conf")]).toMatchObject({ created: false, exact: true, by: { demo: "all" } });
    expect(
      fs.readFileSync(
        path.join(oxtailHome, "setup", "backups", manifest.files[at("conf")]?.backup as string),
        "utf8",
      ),
    ).toBe("mine\n");
    expect(fs.existsSync(`${at("conf")}.oxtail-backup`)).toBe(false);
    expect(setupAdapters(oxtailHome)).toEqual(["demo"]);
    await uninstall([at("conf")]);
    expect(snapshot(root)).toEqual(before);
  });

  it("creates files and folders, and uninstall removes exactly those, over two cycles", async () => {
    fs.mkdirSync(at("keep"));
    const before = snapshot(root);
    for (let cycle = 0; cycle < 2; cycle++) {
      const file = at("a", "b", "new.json");
      await applySetup([change(file, "+oxtail\n"), change(at("keep", "x.md"), "text\n")], opts());
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(readSetupManifest(oxtailHome).files[file]?.folders).toEqual([at("a"), at("a", "b")]);
      const plan = planUninstall(inverse(file), opts());
      expect(plan.folders).toEqual([at("a", "b"), at("a")]);
      await applyUninstall(plan, opts());
      expect(snapshot(root)).toEqual(before);
    }
  });

  it("writes through a symlinked config: the link stays a link, its target is edited and restored", async () => {
    fs.mkdirSync(at("dotfiles"));
    fs.writeFileSync(at("dotfiles", "conf"), "mine\n", { mode: 0o644 });
    fs.symlinkSync(path.join("dotfiles", "conf"), at("conf"));
    const before = snapshot(root);
    await applySetup([change(at("conf"), "mine\n+oxtail\n")], opts());
    expect(fs.lstatSync(at("conf")).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(at("dotfiles", "conf"), "utf8")).toBe("mine\n+oxtail\n");
    expect(fs.statSync(at("dotfiles", "conf")).mode & 0o777).toBe(0o644);
    expect(fs.readdirSync(at("dotfiles"))).toEqual(["conf"]);
    await uninstall([at("conf")]);
    expect(snapshot(root)).toEqual(before);
  });

  it("applies the inverse edit to a file changed since setup, and deletes a created file left empty", async () => {
    await applySetup([change(at("conf"), "{}\n+oxtail\n"), change(at("other"), "+oxtail\n")], opts());
    fs.writeFileSync(at("other"), "user line\n+oxtail\n");
    await uninstall([at("conf"), at("other")]);
    expect(fs.existsSync(at("conf"))).toBe(false); // its inverse result is {}: setup created it
    expect(fs.readFileSync(at("other"), "utf8")).toBe("user line\n");
    expect(fs.existsSync(oxtailHome)).toBe(false);
  });

  it("keeps the first original across re-runs, unless the file was changed by someone else in between", async () => {
    fs.writeFileSync(at("conf"), "mine\n");
    await applySetup([change(at("conf"), "mine\n+oxtail\n")], opts());
    await applySetup([change(at("conf"), "mine\n+oxtail\n+more\n")], opts());
    expect(readSetupManifest(oxtailHome).files[at("conf")]?.exact).toBe(true);
    fs.appendFileSync(at("conf"), "user\n");
    await applySetup([change(at("conf"), "mine\n+oxtail\n+more\nuser\n+again\n")], opts());
    expect(readSetupManifest(oxtailHome).files[at("conf")]).toMatchObject({ exact: false, backup: null });
    expect(fs.readdirSync(path.join(oxtailHome, "setup", "backups"))).toEqual([]);
  });

  it("uninstall-hook of a file setup wrote whole uses the inverse and keeps the record for uninstall", async () => {
    fs.writeFileSync(at("conf"), "mine\n");
    await applySetup([change(at("conf"), "mine\n+mcp\n+oxtail\n")], opts());
    await uninstall([at("conf")], { hooksOnly: true });
    expect(fs.readFileSync(at("conf"), "utf8")).toBe("mine\n+mcp\n");
    expect(readSetupManifest(oxtailHome).files[at("conf")]).toMatchObject({
      exact: true,
      by: { demo: "all" },
    });
    await uninstall([at("conf")]);
    expect(fs.readFileSync(at("conf"), "utf8")).toBe("mine\n");
    expect(fs.existsSync(oxtailHome)).toBe(false);
  });

  it("leaves a data folder that existed before, and what else is in it", async () => {
    fs.mkdirSync(path.join(oxtailHome, "sessions"), { recursive: true, mode: 0o700 });
    const before = snapshot(root);
    await applySetup([change(at("conf"), "+oxtail\n")], opts());
    expect(fs.existsSync(setupManifestPath(oxtailHome))).toBe(true);
    await uninstall([at("conf")]);
    expect(snapshot(root)).toEqual(before);
  });

  it("refuses a stale plan and a dangling symlink, writing nothing", async () => {
    fs.writeFileSync(at("conf"), "mine\n");
    const stale = change(at("conf"), "mine\n+oxtail\n");
    fs.writeFileSync(at("conf"), "changed\n");
    const before = snapshot(root);
    await expect(applySetup([stale], opts())).rejects.toThrow(/changed since the plan was made/);
    fs.symlinkSync(at("nowhere"), at("link"));
    await expect(
      applySetup([{ path: at("link"), before: null, after: "x", what: "w" }], opts()),
    ).rejects.toThrow(/symbolic link to nothing/);
    fs.rmSync(at("link"));
    expect(snapshot(root)).toEqual(before);
  });

  it("puts back what it wrote when a later write of the same plan fails", async () => {
    fs.writeFileSync(at("conf"), "mine\n");
    fs.writeFileSync(at("blocker"), "a file where a folder is needed\n");
    const before = snapshot(root);
    await expect(
      applySetup(
        [change(at("conf"), "mine\n+oxtail\n"), change(at("blocker", "sub", "x"), "+oxtail\n")],
        opts(),
      ),
    ).rejects.toThrow();
    expect(snapshot(root)).toEqual(before);
  });

  it("a created file deleted by hand and made again by setup still takes its folders at uninstall", async () => {
    const before = snapshot(root);
    const file = at("a", "b", "new.json");
    await applySetup([change(file, "+oxtail\n")], opts());
    fs.rmSync(file);
    await applySetup([change(file, "+oxtail\n")], opts());
    await uninstall([file]);
    expect(snapshot(root)).toEqual(before);
  });

  it("refuses a setup folder in the data directory that is a symlink, reading and writing nothing through it", async () => {
    fs.mkdirSync(oxtailHome, { mode: 0o700 });
    fs.mkdirSync(at("elsewhere"));
    fs.writeFileSync(at("elsewhere", "manifest.json"), '{"version":1,"homeFolders":[],"files":{}}\n');
    fs.symlinkSync(at("elsewhere"), path.join(oxtailHome, "setup"));
    const before = snapshot(root);
    await expect(applySetup([change(at("conf"), "+oxtail\n")], opts())).rejects.toThrow(/refusing to use it/);
    expect(() => planUninstall([], opts())).toThrow(/refusing to use it/);
    expect(snapshot(root)).toEqual(before);
  });
});
