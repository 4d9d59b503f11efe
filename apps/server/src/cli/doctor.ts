// `oxtail doctor`: which adapters are loaded and what they need, then, for each client that was set
// up, whatever its adapter checks (its configured server and hook actually started), plus the
// installed client's version against the adapter's supported range.
import fs from "node:fs";
import type { ClientAdapter, DoctorCheck, OnboardingContext, WakeStrategy } from "@oxtail/core";
import type { LoadedAdapter } from "@oxtail/core/runtime";
import { findExecutable } from "@oxtail/onboarding";
import semver from "semver";
import { readVersion } from "../version.js";
import { transportCheck } from "./doctor-transport.js";
import { hookProgram, serverCommand, serverEntry } from "./install.js";
import type { OnboardingAdapter } from "./onboard.js";
import { createProbes } from "./probe.js";

/** What doctor is run for. */
export interface DoctorRun {
  loaded: readonly LoadedAdapter[];
  /** The clients to check (those set up, or those asked for). */
  adapters: OnboardingAdapter[];
  /** Why those clients (set up, or asked for). */
  why: string;
  /** Wake strategies the server always has (tmux). */
  strategies: readonly WakeStrategy[];
  project: boolean;
  env: NodeJS.ProcessEnv;
  home: string;
  cwd: string;
  oxtailHome: string;
  out: (line: string) => void;
}

const CAPABILITIES = ["transcript", "liveness", "hooks", "onboarding", "wake"] as const;

function describe(adapter: ClientAdapter): string {
  const can = CAPABILITIES.filter((c) => adapter.capabilities[c]).join(", ") || "none";
  const { binaries = [], clientVersions, env = [] } = adapter.requirements;
  const needs = [
    ...binaries.map((b) => `${b} on PATH`),
    ...(clientVersions ? [`${adapter.displayName} ${clientVersions}`] : []),
    ...(env.length > 0 ? [`reads ${env.join(", ")}`] : []),
  ];
  return `${adapter.name} (${adapter.displayName}): ${can}${needs.length > 0 ? `; needs ${needs.join(", ")}` : ""}`;
}

function line(check: DoctorCheck): string {
  const mark = check.status === "ok" ? "ok " : check.status === "fix" ? "FIX" : "-- ";
  return `${mark} ${check.what}${check.status === "fix" && check.fix ? ` — ${check.fix}` : ""}`;
}

function generalChecks(run: DoctorRun): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  checks.push(
    major > 20 || (major === 20 && minor >= 19)
      ? { status: "ok", what: `Node ${process.versions.node}` }
      : {
          status: "fix",
          what: `Node ${process.versions.node} is too old`,
          fix: "install Node 20.19 or newer",
        },
  );
  for (const strategy of run.strategies)
    for (const binary of strategy.requirements.binaries ?? [])
      checks.push(
        findExecutable(binary, run.env)
          ? { status: "ok", what: `${binary} is installed (the ${strategy.name} wake)` }
          : {
              status: "fix",
              what: `${binary} is not on PATH (the ${strategy.name} wake needs it)`,
              fix: `install ${binary}`,
            },
      );
  const stat = fs.lstatSync(run.oxtailHome, { throwIfNoEntry: false });
  if (!stat)
    checks.push({ status: "ok", what: `data directory ${run.oxtailHome} (made at the first start)` });
  else {
    const st = fs.statSync(run.oxtailHome);
    const mine = st.uid === process.getuid?.();
    checks.push(
      st.isDirectory() && (st.mode & 0o077) === 0 && mine
        ? { status: "ok", what: `data directory ${run.oxtailHome} is private` }
        : {
            status: "fix",
            what: `data directory ${run.oxtailHome} is not private`,
            fix: `chmod 700 ${run.oxtailHome} (and check its owner)`,
          },
    );
  }
  return checks;
}

/** The installed client's version against the adapter's supported range. */
async function versionCheck(adapter: OnboardingAdapter, run: DoctorRun): Promise<DoctorCheck> {
  const found = await adapter.onboarding.installed({ env: run.env, home: run.home });
  const range = adapter.requirements.clientVersions;
  const name = adapter.displayName;
  if (!found.installed) return { status: "note", what: `${name}: not found (${found.how})` };
  if (!found.version) return { status: "note", what: `${name}: installed, version unknown (${found.how})` };
  if (!range) return { status: "ok", what: `${name} ${found.version} (${found.how})` };
  const version = semver.coerce(found.version, { includePrerelease: true });
  return version && semver.satisfies(version, range, { includePrerelease: true })
    ? { status: "ok", what: `${name} ${found.version} is supported (${range})` }
    : {
        status: "fix",
        what: `${name} ${found.version} is not supported: the ${adapter.name} adapter supports ${range}`,
        fix: `install a ${name} version in ${range}`,
      };
}

/** Run the doctor. Returns the exit code: 0 when nothing needs fixing. */
export async function runDoctor(run: DoctorRun): Promise<number> {
  run.out(`oxtail ${readVersion()} (${serverEntry()}), Node ${process.versions.node}`);
  run.out("loaded adapters:");
  for (const loaded of run.loaded)
    run.out(
      loaded.adapter
        ? `  ${describe(loaded.adapter)}`
        : `  ${loaded.specifier}: not loaded (${loaded.error})`,
    );
  const checks = generalChecks(run);
  checks.push(await transportCheck(run.env, run.oxtailHome, run.cwd));
  if (run.adapters.length === 0)
    checks.push({ status: "fix", what: "no client is set up for oxtail", fix: "run: oxtail setup" });
  else run.out(`checking: ${run.why}`);
  const probes = createProbes(run.env, run.cwd);
  for (const adapter of run.adapters) {
    const context: OnboardingContext = {
      env: run.env,
      home: run.home,
      cwd: run.cwd,
      project: run.project,
      hooksOnly: false,
      server: serverCommand(false),
      hookProgram: hookProgram(),
      options: Object.fromEntries((adapter.onboarding.options ?? []).map((o) => [o.name, o.default])),
    };
    checks.push(await versionCheck(adapter, run));
    try {
      checks.push(...(await adapter.onboarding.check({ ...context, ...probes })));
    } catch (error) {
      checks.push({
        status: "fix",
        what: `${adapter.displayName}: its checks failed: ${(error as Error).message}`,
        fix: `report it to the ${adapter.name} adapter's authors`,
      });
    }
  }
  for (const check of checks) run.out(line(check));
  const ok = checks.every((c) => c.status !== "fix");
  run.out(ok ? "oxtail doctor: all good." : "oxtail doctor: fix the lines marked FIX.");
  return ok ? 0 : 1;
}
