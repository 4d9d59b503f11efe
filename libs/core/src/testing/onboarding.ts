// The onboarding group: in a temporary HOME the kit makes, plan → apply → a second plan is empty →
// unplan → every byte as before (also with the user's own files there), `configured` following along;
// declared options change the plan; doctor's checks are well-formed, with fake probes.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type {
  ClientOnboarding,
  CommandLine,
  DoctorCheck,
  DoctorContext,
  FileChange,
  OnboardingContext,
} from "../adapter/onboarding.js";
import type { ClientAdapter } from "../adapter/types.js";
import { isText, type Kit, kitTest, missingInput, unusedInput, withTempDir } from "./_kit.js";
import {
  applyChanges,
  assertPlan,
  layOut,
  type Made,
  photograph,
  tidyUp,
  writtenBySetup,
} from "./onboarding-home.js";
import type { OnboardingInput } from "./options.js";

/** Paths that need quoting, as install paths may. */
const PLACE = "/opt/an oxtail's place";
const SERVER: CommandLine = { command: `${PLACE}/bin/node`, args: [`${PLACE}/dist/main.mjs`] };
const HOOK_PROGRAM = `${PLACE}/bin/oxtail-hook`;
const TOOLS = ["list_project_sessions", "read_session", "send_message", "read_my_messages", "ask_peer"];

/** How one setup run is asked for. */
type Mode = Pick<OnboardingContext, "project" | "hooksOnly" | "noHooks"> & { label: string };
const MODES: readonly Mode[] = [
  { label: "defaults", project: false, hooksOnly: false, noHooks: false },
  { label: "hooks only", project: false, hooksOnly: true, noHooks: false },
  { label: "no hooks", project: false, hooksOnly: false, noHooks: true },
  { label: "project", project: true, hooksOnly: false, noHooks: false },
];

interface Run {
  adapter: ClientAdapter;
  onboarding: ClientOnboarding;
  context: OnboardingContext;
}

function defaults(onboarding: ClientOnboarding): Record<string, boolean> {
  return Object.fromEntries((onboarding.options ?? []).map((o) => [o.name, o.default]));
}

/** The adapter and a setup context for `home` (the project folder is `<home>/project`). */
function runIn(kit: Kit, input: OnboardingInput, home: string, over: Partial<OnboardingContext> = {}): Run {
  const adapter = input.make?.(home) ?? kit.make();
  const onboarding = adapter.onboarding;
  assert.ok(onboarding, "capabilities.onboarding needs onboarding");
  const cwd = path.join(home, "project");
  fs.mkdirSync(cwd, { recursive: true });
  const context: OnboardingContext = {
    env: { HOME: home, PATH: "", ...input.env?.(home) },
    home,
    cwd,
    project: false,
    hooksOnly: false,
    noHooks: false,
    server: SERVER,
    hookProgram: HOOK_PROGRAM,
    options: defaults(onboarding),
    ...over,
  };
  return { adapter, onboarding, context };
}

/** Set up, check it is idempotent, undo it, and check every byte is back. Returns what setup changed. */
async function roundTrip(run: Run, label: string): Promise<FileChange[]> {
  const { onboarding, context } = run;
  const before = photograph(context.home);
  assert.equal(await onboarding.configured(context), false, `${label}: not configured before setup`);
  const plan = await onboarding.plan(context);
  assertPlan(plan, context.home, `${label}: the plan`);
  assert.ok(plan.length > 0, `${label}: setup changes something`);
  const made: Made = { files: new Set(), folders: [] };
  applyChanges(plan, context.home, made);
  assert.deepEqual(await onboarding.plan(context), [], `${label}: a second plan after applying is empty`);
  assert.equal(await onboarding.configured(context), true, `${label}: configured once applied`);
  const inverse = await onboarding.unplan(context);
  assertPlan(inverse, context.home, `${label}: the inverse`);
  applyChanges(inverse, context.home, made);
  tidyUp(made);
  assert.deepEqual(photograph(context.home), before, `${label}: every byte as before once undone`);
  assert.equal(await onboarding.configured(context), false, `${label}: not configured once undone`);
  assert.deepEqual(await onboarding.unplan(context), [], `${label}: nothing left to undo`);
  return plan;
}

function assertChecks(checks: readonly DoctorCheck[], label: string): void {
  assert.ok(Array.isArray(checks) && checks.length > 0, `${label}: at least one check`);
  for (const check of checks) {
    assert.ok(["ok", "fix", "note"].includes(check.status), `${label}: status ${check.status}`);
    assert.ok(isText(check.what), `${label}: a check says what it checked`);
    if (check.status === "fix") assert.ok(isText(check.fix), `${label}: a fix says how (${check.what})`);
  }
}

/** Fake probes that record their calls and answer as told. */
function probes(works: boolean) {
  const servers: CommandLine[] = [];
  const hooks: string[] = [];
  const fakes: Pick<DoctorContext, "probeServer" | "probeHook"> = {
    async probeServer(server) {
      servers.push(server);
      return works ? { ok: true, tools: TOOLS } : { ok: false, error: "Error: Cannot find module (ENOENT)" };
    },
    async probeHook(command) {
      hooks.push(command);
      return works
        ? { exitCode: 0, stdout: "", stderr: "" }
        : { exitCode: 127, stdout: "", stderr: "sh: 1: oxtail-hook: not found" };
    },
  };
  return { servers, hooks, fakes };
}

function homeLabel(files: Readonly<Record<string, string>>, index: number): string {
  return `the user's home #${index + 1} (${Object.keys(files).join(", ")})`;
}

/** Register the onboarding group. */
export function onboardingGroup(kit: Kit, input: OnboardingInput | undefined): void {
  const group = "onboarding";
  if (!kit.adapter.capabilities.onboarding || !kit.adapter.onboarding) {
    if (input !== undefined) unusedInput(kit, group, "onboarding", "onboarding");
    return;
  }
  if (!input) {
    missingInput(
      kit,
      group,
      "onboarding",
      "capabilities.onboarding is declared: the kit needs the user's own files to set up among (homes)",
    );
    return;
  }
  if (!input.homes.some((files) => Object.keys(files).length > 0))
    missingInput(
      kit,
      group,
      "onboarding.homes",
      "setup must keep the user's own configs byte for byte: give at least one home with files in it",
    );

  kitTest(kit, group, "its options and installation check are well-formed", () =>
    withTempDir("onboarding", async (home) => {
      const { adapter, onboarding, context } = runIn(kit, input, home);
      const names = (onboarding.options ?? []).map((o) => o.name);
      assert.equal(new Set(names).size, names.length, "option names are unique");
      for (const option of onboarding.options ?? []) {
        assert.match(option.name, /^[a-z][a-z0-9-]{0,39}$/, "an option name is kebab-case");
        assert.notEqual(option.name, adapter.name, "an option is not named like the adapter (its --flag)");
        assert.ok(isText(option.description), `--${option.name} is described`);
        assert.equal(typeof option.default, "boolean", `--${option.name} has a default`);
      }
      const found = await onboarding.installed({ env: context.env, home });
      assert.equal(typeof found.installed, "boolean");
      assert.ok(found.version === null || isText(found.version), "version is text or null");
      assert.ok(isText(found.how), "installed() says how it knows");
      const notes = (await onboarding.notes?.(context)) ?? [];
      assert.ok(Array.isArray(notes) && notes.every(isText), "notes are lines of text");
    }),
  );

  const homes = [{}, ...input.homes];
  homes.forEach((files, index) => {
    const where = index === 0 ? "the empty home" : homeLabel(files, index - 1);
    for (const mode of MODES) {
      const { label: _label, ...over } = mode;
      kitTest(
        kit,
        group,
        `setup then uninstall in ${where} (${mode.label}) leaves every byte as it was`,
        () =>
          withTempDir("onboarding", async (home) => {
            layOut(home, files);
            await roundTrip(runIn(kit, input, home, over), mode.label);
          }),
      );
    }
  });

  for (const option of kit.adapter.onboarding.options ?? []) {
    const value = !option.default;
    kitTest(kit, group, `option --${value ? "" : "no-"}${option.name} is honoured`, () =>
      withTempDir("onboarding", async (home) => {
        const base = runIn(kit, input, home);
        const flipped = { ...base.context.options, [option.name]: value };
        const plain = await base.onboarding.plan(base.context);
        const other = await base.onboarding.plan({ ...base.context, options: flipped });
        assert.notDeepEqual(
          other,
          plain,
          `--${option.name} ${value ? "on" : "off"} changes what setup writes`,
        );
        await roundTrip(runIn(kit, input, home, { options: flipped }), `--${option.name}=${value}`);
      }),
    );
  }

  kitTest(kit, group, "doctor's checks are well-formed, probe what setup wrote and find what is wrong", () =>
    withTempDir("onboarding", async (home) => {
      const { onboarding, context } = runIn(kit, input, home);
      const unset = probes(true);
      const before = await onboarding.check({ ...context, ...unset.fakes });
      assertChecks(before, "before setup");
      assert.ok(
        before.some((c) => c.status === "fix"),
        "before setup something needs fixing",
      );
      const plan = await onboarding.plan(context);
      applyChanges(plan, home, { files: new Set(), folders: [] });
      const good = probes(true);
      const checks = await onboarding.check({ ...context, ...good.fakes });
      assertChecks(checks, "after setup");
      const fixes = checks.filter((c) => c.status === "fix").map((c) => c.what);
      assert.deepEqual(fixes, [], "after setup, with a server and hook that work, nothing needs fixing");
      for (const server of good.servers)
        assert.deepEqual(server, context.server, "doctor starts the server setup configured");
      for (const command of good.hooks)
        assert.ok(writtenBySetup(command, plan), `doctor runs a hook setup configured (${command})`);
      const bad = probes(false);
      const broken = await onboarding.check({ ...context, ...bad.fakes });
      assertChecks(broken, "with a server and hook that fail");
      if (good.servers.length + good.hooks.length > 0)
        assert.ok(
          broken.some((c) => c.status === "fix"),
          "a server or hook that fails needs fixing",
        );
    }),
  );
}
