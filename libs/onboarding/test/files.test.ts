import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { detectClient, findExecutable, readConfigText } from "../src/files.ts";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-files-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("readConfigText", () => {
  it("reads through a symlink, says null for a missing file, and refuses bytes that are not UTF-8", () => {
    fs.writeFileSync(path.join(dir, "t"), '\ufeff{ "a": "é" }\n');
    fs.symlinkSync("t", path.join(dir, "link"));
    expect(readConfigText(path.join(dir, "link"))).toBe('\ufeff{ "a": "é" }\n');
    expect(readConfigText(path.join(dir, "missing"))).toBeNull();
    fs.writeFileSync(path.join(dir, "bin"), Buffer.from([0x7b, 0xff, 0x7d]));
    expect(() => readConfigText(path.join(dir, "bin"))).toThrow(/not UTF-8 text/);
  });
});

describe("detectClient", () => {
  it("finds the program on PATH and its version, else a folder the client keeps, else says why not", async () => {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "democli"), "#!/bin/sh\necho 'democli-cli 1.2.3 (build x)'\n", {
      mode: 0o755,
    });
    const env = { PATH: `/nonexistent:${bin}` };
    expect(findExecutable("democli", env)).toBe(path.join(bin, "democli"));
    expect(await detectClient({ binary: "democli", traces: [], env })).toEqual({
      installed: true,
      version: "1.2.3",
      how: `${path.join(bin, "democli")} 1.2.3`,
    });
    const traces = [path.join(dir, ".democli")];
    expect((await detectClient({ binary: "democli", traces, env: { PATH: "" } })).installed).toBe(false);
    fs.mkdirSync(traces[0] as string);
    expect(await detectClient({ binary: "democli", traces, env: { PATH: "" } })).toMatchObject({
      installed: true,
      version: null,
    });
  });
});
