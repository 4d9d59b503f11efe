import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ClientAdapter } from "../adapter/types.js";
import type { TestFunction } from "./options.js";

/** What every group registers with: the runner, the factory, and an adapter made at registration. */
export interface Kit {
  test: TestFunction;
  make: () => ClientAdapter;
  /** Made once when the tests are registered, to know which groups and cases to register. */
  adapter: ClientAdapter;
}

/** Register `conformance: <group>: <name>`. */
export function kitTest(kit: Kit, group: string, name: string, fn: () => unknown | Promise<unknown>): void {
  kit.test(`conformance: ${group}: ${name}`, fn);
}

/** Register a failing test for a declared capability (or a case of it) the kit was given no input for. */
export function missingInput(kit: Kit, group: string, option: string, why: string): void {
  kitTest(kit, group, `needs options.${option}`, () => {
    assert.fail(`[oxtail conformance] ${why}: give options.${option}.`);
  });
}

/** Register a failing test for an input given for a capability the adapter does not declare. */
export function unusedInput(kit: Kit, group: string, option: string, capability: string): void {
  kitTest(kit, group, `options.${option} without capabilities.${capability}`, () => {
    assert.fail(
      `[oxtail conformance] options.${option} is given but capabilities.${capability} is false: declare the capability or drop the input.`,
    );
  });
}

/** Run `fn` with a fresh private temporary folder, removed afterwards. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `oxtail-kit-${prefix}-`)));
  try {
    return await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** True for a string that is not empty once trimmed. */
export function isText(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}

/** True for an ISO date string (or null). */
export function isIsoOrNull(value: unknown): boolean {
  return value === null || (typeof value === "string" && !Number.isNaN(Date.parse(value)));
}
