// setup, uninstall, install-hook, uninstall-hook: each selected adapter plans its changes, oxtail
// shows them (--dry-run) or applies them through @oxtail/onboarding, which records them for an exact
// undo. Nothing here knows a client: everything client-specific is in the adapters' onboarding.
import fs from "node:fs";
import type { ClientAdapter, ClientOnboarding, FileChange, OnboardingContext } from "@oxtail/core";
import { OxtailError } from "@oxtail/core";
import {
  type AppliedChange,
  applySetup,
  applyUninstall,
  planUninstall,
  renderDiff,
} from "@oxtail/onboarding";
import { hookProgram, npxCacheOf, serverCommand, serverEntry } from "./install.js";

/** A setup-family command. */
export type OnboardCommand = "setup" | "uninstall" | "install-hook" | "uninstall-hook";

/** An adapter that declares onboarding. */
export type OnboardingAdapter = ClientAdapter & { onboarding: ClientOnboarding };

/** What a run was asked for. */
export interface OnboardRun {
  command: OnboardCommand;
  /** The adapters to run for (already selected). */
  adapters: OnboardingAdapter[];
  project: boolean;
  npx: boolean;
  dryRun: boolean;
  /** Option values given on the command line, by option name (unset: the adapter's default). */
  options: Readonly<Record<string, boolean | undefined>>;
  env: NodeJS.ProcessEnv;
  home: string;
  cwd: string;
  oxtailHome: string;
  out: (line: string) => void;
}

const fail = (message: string) => new OxtailError("invalid-input", message, { origin: "oxtail" });

/** Refuse to pin a client config on paths npm may delete; say how to do it instead. */
function checkInstallPlace(run: OnboardRun, hooks: string): { noHooks: boolean } {
  const installing = run.command === "setup" || run.command === "install-hook";
  if (!installing) return { noHooks: false };
  const pinned = run.npx || run.command === "install-hook" ? [] : [process.execPath, serverEntry()];
  const cache = [...pinned, hooks].map((p) => npxCacheOf(p, run.env, run.home)).find((c) => c !== null);
  if (!cache) return { noHooks: false };
  if (run.command === "setup" && run.npx) {
    run.out(
      `Note: this oxtail runs from npx's cache (${cache}); the hooks need an installed oxtail-hook, so they are left out. For them: npm install -g oxtail, then oxtail install-hook.`,
    );
    return { noHooks: true };
  }
  throw fail(
    `this oxtail runs from npx's cache (${cache}), which npm may delete at any time: the clients' ${run.command === "setup" ? "MCP entry and hooks" : "hooks"} would then point at nothing. ` +
      `Install it instead (npm install -g oxtail, then oxtail ${run.command})${run.command === "setup" ? ", or let the clients start it through npx: npx oxtail setup --npx (without the hooks)" : ""}. Nothing was changed.`,
  );
}

function contextFor(
  run: OnboardRun,
  adapter: OnboardingAdapter,
  noHooks: boolean,
  hooks: string,
): OnboardingContext {
  const options: Record<string, boolean> = {};
  for (const option of adapter.onboarding.options ?? [])
    options[option.name] = run.options[option.name] ?? option.default;
  return {
    env: run.env,
    home: run.home,
    cwd: run.cwd,
    project: run.project,
    hooksOnly: run.command.endsWith("-hook"),
    noHooks,
    server: serverCommand(run.npx),
    hookProgram: hooks,
    options,
  };
}

function report(out: (line: string) => void, applied: readonly AppliedChange[]): void {
  for (const a of applied) out(`${a.action} ${a.path} (${a.what})`);
}

/** Run one setup-family command. Returns the exit code. */
export async function runOnboard(run: OnboardRun): Promise<number> {
  const installing = run.command === "setup" || run.command === "install-hook";
  const hooks = hookProgram();
  if (installing && !run.npx && run.command === "setup" && !fs.existsSync(serverEntry()))
    throw fail(`${serverEntry()} is missing: run the built oxtail (npm run build) for setup.`);
  const { noHooks } = checkInstallPlace(run, hooks);
  // Plan every adapter first: a config it cannot read stops the run before anything is written.
  const plans = new Map<OnboardingAdapter, FileChange[]>();
  for (const adapter of run.adapters) {
    const context = contextFor(run, adapter, noHooks, hooks);
    plans.set(
      adapter,
      await (installing ? adapter.onboarding.plan(context) : adapter.onboarding.unplan(context)),
    );
  }
  const scope = (adapter: OnboardingAdapter) => ({
    oxtailHome: run.oxtailHome,
    scope: { adapter: adapter.name, hooksOnly: run.command.endsWith("-hook") },
  });
  let changed = 0;
  for (const adapter of run.adapters) {
    const context = contextFor(run, adapter, noHooks, hooks);
    if (run.dryRun) {
      const planned = installing
        ? { changes: plans.get(adapter) ?? [], folders: [] }
        : planUninstall(plans.get(adapter) ?? [], scope(adapter));
      for (const change of planned.changes) run.out(`${renderDiff(change)}\n`);
      if (planned.folders.length > 0)
        run.out(`folders setup created, removed when left empty: ${planned.folders.join(", ")}\n`);
      changed += planned.changes.length;
      continue;
    }
    // Planned again right before applying: an earlier adapter may have changed a file both touch.
    const applied = installing
      ? await applySetup(await adapter.onboarding.plan(context), scope(adapter))
      : await applyUninstall(
          planUninstall(await adapter.onboarding.unplan(context), scope(adapter)),
          scope(adapter),
        );
    report(run.out, applied);
    changed += applied.length;
    if (installing && applied.length > 0)
      for (const note of (await adapter.onboarding.notes?.(context)) ?? [])
        run.out(`${adapter.displayName}: ${note}`);
  }
  if (changed === 0) run.out("oxtail: nothing to change.");
  else if (run.dryRun) run.out("(dry run: nothing was written)");
  else if (installing) run.out("Check it: oxtail doctor");
  return 0;
}
