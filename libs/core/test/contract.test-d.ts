// Type-level tests of the adapter contract (vitest typecheck): what an adapter author's editor and
// compiler accept and refuse.
import * as core from "@oxtail/core";
import {
  type ClientAdapter,
  type ClientAdapterFactory,
  type ClientHooks,
  type ClientOnboarding,
  type DoctorCheck,
  type DoctorContext,
  defineClientAdapter,
  defineWakeStrategy,
  type FileChange,
  type HookAnswer,
  type HookDelivery,
  type HookEventSpec,
  type HookMode,
  type HookRole,
  hookCommandLine,
  hookMode,
  type OnboardingContext,
  type WakeOutcome,
  type WakeOutcomeKind,
  type WakeStrategy,
  type WakeStrategyFactory,
} from "@oxtail/core";
import type { ConformanceOptions, TestFunction } from "@oxtail/core/testing";
import { runClientAdapterConformance } from "@oxtail/core/testing";
import { describe, expectTypeOf, test } from "vitest";

const capabilities = { transcript: false, liveness: false, hooks: false, onboarding: false, wake: false };
const detect = async () => ({ matched: false, strategies: [] });

describe("defineClientAdapter", () => {
  test("infers the options from the definition function, and the factory takes them optionally", () => {
    const factory = defineClientAdapter((options?: { dir?: string; verbose: boolean }) => ({
      name: "inferred",
      displayName: String(options?.dir),
      capabilities,
      detect,
    }));
    expectTypeOf(factory).toEqualTypeOf<ClientAdapterFactory<{ dir?: string; verbose: boolean }>>();
    expectTypeOf(factory).parameter(0).toEqualTypeOf<{ dir?: string; verbose: boolean } | undefined>();
    expectTypeOf(factory).returns.toEqualTypeOf<ClientAdapter>();
    // @ts-expect-error options of another shape are refused
    factory({ dir: 3 });
  });

  test("an explicit options type works too, and a plain definition takes no options", () => {
    const withOptions = defineClientAdapter<{ home: string }>((options) => {
      expectTypeOf(options).toEqualTypeOf<{ home: string } | undefined>();
      return { name: "explicit", displayName: "Explicit", capabilities, detect };
    });
    expectTypeOf(withOptions).parameter(0).toEqualTypeOf<{ home: string } | undefined>();
    const plain = defineClientAdapter({ name: "plain", displayName: "Plain", capabilities, detect });
    expectTypeOf(plain).toEqualTypeOf<ClientAdapterFactory<void>>();
  });

  test("refuses capabilities that omit a version-2 flag", () => {
    defineClientAdapter({
      name: "old",
      displayName: "Old",
      // @ts-expect-error onboarding and wake must be declared (true or false)
      capabilities: { transcript: false, liveness: false, hooks: false },
      detect,
    });
    defineClientAdapter({
      name: "half",
      displayName: "Half",
      // @ts-expect-error wake must be declared
      capabilities: { transcript: false, liveness: false, hooks: false, onboarding: false },
      detect,
    });
  });

  test("refuses a definition without detect, or with a misspelt member", () => {
    // @ts-expect-error detect is required
    defineClientAdapter({ name: "nodetect", displayName: "No detect", capabilities });
    defineClientAdapter({
      name: "typo",
      displayName: "Typo",
      capabilities,
      detect,
      // @ts-expect-error an unknown member is refused (readTranscripts is not readTranscript)
      readTranscripts: async () => ({ turns: [], truncated: false, totalTurns: 0 }),
    });
  });

  test("apiVersion and requirements are optional in a definition and present on the adapter", () => {
    expectTypeOf<ClientAdapter["apiVersion"]>().toEqualTypeOf<number>();
    expectTypeOf<ClientAdapter["requirements"]>().toEqualTypeOf<core.AdapterRequirements>();
    expectTypeOf<core.ClientAdapterDefinition["requirements"]>().toEqualTypeOf<
      core.AdapterRequirements | undefined
    >();
  });
});

describe("hooks", () => {
  test("the members of ClientHooks", () => {
    expectTypeOf<ClientHooks["events"]>().toEqualTypeOf<readonly HookEventSpec[]>();
    expectTypeOf<ClientHooks["sessionEnv"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ClientHooks["sessionId"]>().returns.toEqualTypeOf<string | null>();
    expectTypeOf<ClientHooks["answer"]>().parameters.toEqualTypeOf<[HookEventSpec, HookDelivery | null]>();
    expectTypeOf<ClientHooks["answer"]>().returns.toEqualTypeOf<HookAnswer>();
    expectTypeOf<HookAnswer["exitCode"]>().toEqualTypeOf<number>();
    expectTypeOf<HookAnswer["stdout"]>().toEqualTypeOf<string | undefined>();
  });

  test("roles and modes are closed unions", () => {
    expectTypeOf<HookRole>().toEqualTypeOf<
      "mid-turn" | "before-idle" | "next-prompt" | "session-start" | "wake"
    >();
    expectTypeOf(hookMode).returns.toEqualTypeOf<HookMode>();
    expectTypeOf<HookMode>().toEqualTypeOf<"deliver" | "record" | "wake">();
    // @ts-expect-error "idle" is not a role
    const spec: HookEventSpec = { event: "Stop", role: "idle" };
    expectTypeOf(hookCommandLine).returns.toBeString();
    void spec;
  });

  test("an answer without an exit code is refused", () => {
    const hooks: ClientHooks = {
      events: [{ event: "Stop", role: "before-idle" }],
      sessionId: () => null,
      // @ts-expect-error exitCode is required
      answer: () => ({ stdout: "{}" }),
    };
    void hooks;
  });
});

describe("onboarding", () => {
  test("the members of ClientOnboarding", () => {
    expectTypeOf<ClientOnboarding["plan"]>().parameters.toEqualTypeOf<[OnboardingContext]>();
    expectTypeOf<ClientOnboarding["plan"]>().returns.toEqualTypeOf<Promise<FileChange[]>>();
    expectTypeOf<ClientOnboarding["unplan"]>().returns.toEqualTypeOf<Promise<FileChange[]>>();
    expectTypeOf<ClientOnboarding["check"]>().parameters.toEqualTypeOf<[DoctorContext]>();
    expectTypeOf<ClientOnboarding["check"]>().returns.toEqualTypeOf<Promise<DoctorCheck[]>>();
    expectTypeOf<ClientOnboarding["configured"]>().returns.toEqualTypeOf<Promise<boolean>>();
    expectTypeOf<FileChange["before"]>().toEqualTypeOf<string | null>();
    expectTypeOf<DoctorCheck["status"]>().toEqualTypeOf<"ok" | "fix" | "note">();
    expectTypeOf<DoctorContext>().toMatchTypeOf<OnboardingContext>();
  });
});

describe("wake strategies", () => {
  test("defineWakeStrategy infers its options; wake resolves to an outcome", () => {
    const factory = defineWakeStrategy((options?: { socket: string }) => ({
      name: "socket",
      capabilities: { verify: false },
      readiness: async () => ({ ready: Boolean(options?.socket), reason: "socket" }),
      wake: async (): Promise<WakeOutcome> => ({
        attempted: false,
        strategy: "socket",
        outcome: "skipped",
        verifiedAfterMs: null,
        reason: "no",
      }),
    }));
    expectTypeOf(factory).toEqualTypeOf<WakeStrategyFactory<{ socket: string }>>();
    expectTypeOf<WakeStrategy["wake"]>().returns.toEqualTypeOf<Promise<WakeOutcome>>();
    expectTypeOf<WakeOutcomeKind>().toEqualTypeOf<
      "submitted" | "unverified" | "skipped" | "failed" | "pane-unverified"
    >();
    const outcome: WakeOutcome = {
      attempted: true,
      strategy: "x",
      // @ts-expect-error "woken" is not an outcome
      outcome: "woken",
      verifiedAfterMs: 1,
      reason: "",
    };
    void outcome;
  });
});

describe("the public API policy", () => {
  test("@oxtail/core exports the contract, not oxtail's machinery", () => {
    expectTypeOf(core).toHaveProperty("defineClientAdapter");
    expectTypeOf(core).toHaveProperty("hookCommandLine");
    expectTypeOf(core).not.toHaveProperty("createMailbox");
    expectTypeOf(core).not.toHaveProperty("createWaker");
    expectTypeOf(core).not.toHaveProperty("runClientAdapterConformance");
  });

  test("the kit takes a runner's test, a factory and typed options", () => {
    expectTypeOf(runClientAdapterConformance).parameters.toEqualTypeOf<
      [TestFunction, () => ClientAdapter, (ConformanceOptions | undefined)?]
    >();
    expectTypeOf<ConformanceOptions["hooks"]>().toEqualTypeOf<
      | {
          sessionId: string;
          payloads: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
          env?: Readonly<Record<string, string>>;
          stdoutWithoutMail?: readonly string[];
        }
      | undefined
    >();
    // @ts-expect-error livenessAgent was the version-1 kit's option: liveness takes agents with their states
    runClientAdapterConformance(test, () => ({}) as ClientAdapter, { livenessAgent: {} });
  });
});
