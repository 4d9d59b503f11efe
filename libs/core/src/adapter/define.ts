import { z } from "zod";
import { OxtailError } from "../errors.js";
import { HOOK_ROLES } from "./hooks.js";
import {
  ADAPTER_API_VERSION,
  type ClientAdapter,
  MIN_ADAPTER_API_VERSION,
  type WakeStrategy,
} from "./types.js";

const ADAPTER_BRAND: unique symbol = Symbol.for("oxtail.client-adapter");
const STRATEGY_BRAND: unique symbol = Symbol.for("oxtail.wake-strategy");

const NAME = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, "a short kebab-case name");
const REQUIREMENTS = z
  .object({
    binaries: z.array(z.string()).optional(),
    env: z.array(z.string()).optional(),
    clientVersions: z.string().optional(),
    testedVersions: z.array(z.string()).optional(),
  })
  .default({});
const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === "function", "a function");

const HooksShape = z
  .object({
    events: z
      .array(
        z.object({
          event: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, "an event name (letters, digits, _ . -)"),
          role: z.enum(HOOK_ROLES as [string, ...string[]]),
          identity: z.boolean().optional(),
          state: z.enum(["busy", "idle"]).optional(),
        }),
      )
      .min(1),
    sessionEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]{0,63}$/, "an environment variable name")
      .optional(),
    maxDeliveryChars: z.number().int().min(500).max(1_000_000).optional(),
    sessionId: fn,
    identity: fn.optional(),
    answer: fn,
  })
  .loose();

const OnboardingShape = z
  .object({
    options: z
      .array(
        z.object({
          name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/),
          description: z.string(),
          default: z.boolean(),
        }),
      )
      .optional(),
    installed: fn,
    configured: fn,
    plan: fn,
    unplan: fn,
    check: fn,
    notes: fn.optional(),
  })
  .loose();

const ClientAdapterShape = z
  .object({
    name: NAME,
    displayName: z.string().min(1).max(80),
    sessionIdHint: z.string().max(200).optional(),
    apiVersion: z.number().int().positive(),
    capabilities: z.object({
      transcript: z.boolean(),
      liveness: z.boolean(),
      hooks: z.boolean(),
      onboarding: z.boolean(),
      wake: z.boolean(),
    }),
    requirements: REQUIREMENTS,
    detect: fn,
    findTranscript: fn.optional(),
    readTranscript: fn.optional(),
    liveness: fn.optional(),
    identityFromRequestMeta: fn.optional(),
    wakeStrategies: z
      .array(z.custom((v) => isWakeStrategy(v), "a strategy made with defineWakeStrategy"))
      .optional(),
    wakeProfile: z
      .object({
        ladder: z.array(z.object({ strategy: NAME, options: z.record(z.string(), z.unknown()).optional() })),
      })
      .optional(),
    hooks: HooksShape.optional(),
    onboarding: OnboardingShape.optional(),
  })
  .loose()
  .superRefine((a, ctx) => {
    if (a.capabilities.transcript && (!a.findTranscript || !a.readTranscript)) {
      ctx.addIssue({
        code: "custom",
        message: "capabilities.transcript needs findTranscript and readTranscript",
      });
    }
    if (a.capabilities.liveness && !a.liveness) {
      ctx.addIssue({ code: "custom", message: "capabilities.liveness needs liveness()" });
    }
    for (const [capability, member] of [
      ["hooks", "hooks"],
      ["onboarding", "onboarding"],
      ["wake", "wakeProfile"],
    ] as const) {
      const declared = a.capabilities[capability];
      const present = a[member] !== undefined;
      if (declared !== present) {
        ctx.addIssue({
          code: "custom",
          message: declared
            ? `capabilities.${capability} needs ${member}`
            : `${member} is given but capabilities.${capability} is false`,
        });
      }
    }
  });

/**
 * A version-1 adapter as version 2 sees it: it declared no hooks and no onboarding (its
 * `capabilities.hooks` only said that its client ran oxtail's hook program), and it can be woken
 * when it has a wake profile.
 */
function bridgeV1(adapter: Record<string, unknown>): Record<string, unknown> {
  const capabilities = (adapter.capabilities ?? {}) as Record<string, unknown>;
  const { hooks: _hooks, onboarding: _onboarding, ...rest } = adapter;
  return {
    ...rest,
    capabilities: {
      transcript: capabilities.transcript,
      liveness: capabilities.liveness,
      hooks: false,
      onboarding: false,
      wake: adapter.wakeProfile !== undefined,
    },
  };
}

/**
 * Check an adapter object against the contract (bridging version 1) and return it branded and
 * frozen. Used by `defineClientAdapter` and by the loader, for adapters made by another copy of core.
 */
export function checkClientAdapter(value: unknown): ClientAdapter {
  const raw = (value ?? {}) as Record<string, unknown>;
  const candidate = raw.apiVersion === 1 ? bridgeV1(raw) : { ...raw };
  const adapter = validate<ClientAdapter>(ClientAdapterShape, candidate, "Client adapter");
  Object.defineProperty(adapter, ADAPTER_BRAND, { value: true });
  return Object.freeze(adapter);
}

const WakeStrategyShape = z
  .object({
    name: NAME,
    apiVersion: z.number().int().positive(),
    capabilities: z.object({ verify: z.boolean(), onArrival: z.boolean().optional() }),
    requirements: REQUIREMENTS,
    readiness: fn,
    wake: fn,
  })
  .loose();

/** An adapter's definition: the adapter without `requirements` defaults filled in. */
export type ClientAdapterDefinition = Omit<ClientAdapter, "requirements" | "apiVersion"> &
  Partial<Pick<ClientAdapter, "requirements" | "apiVersion">>;
/** A wake strategy's definition. */
export type WakeStrategyDefinition = Omit<WakeStrategy, "requirements" | "apiVersion"> &
  Partial<Pick<WakeStrategy, "requirements" | "apiVersion">>;

/** A branded factory of client adapters: what an adapter package default-exports. */
export type ClientAdapterFactory<O = void> = ((options?: O) => ClientAdapter) & {
  readonly [ADAPTER_BRAND]: true;
};
/** A branded factory of wake strategies. */
export type WakeStrategyFactory<O = void> = ((options?: O) => WakeStrategy) & {
  readonly [STRATEGY_BRAND]: true;
};

function validate<T>(shape: z.ZodType, value: unknown, kind: string): T {
  const parsed = shape.safeParse(value);
  if (!parsed.success) {
    const name = (value as { name?: unknown })?.name;
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new OxtailError(
      "adapter-invalid",
      `${kind} ${JSON.stringify(name ?? "?")} is malformed: ${issues}`,
      {
        origin: "core",
        data: { issues: parsed.error.issues },
      },
    );
  }
  const apiVersion = (parsed.data as { apiVersion: number }).apiVersion;
  if (apiVersion > ADAPTER_API_VERSION || apiVersion < MIN_ADAPTER_API_VERSION) {
    throw new OxtailError(
      "adapter-api-mismatch",
      `${kind} ${JSON.stringify((value as { name: string }).name)} needs adapter API ${apiVersion}; this oxtail speaks ${MIN_ADAPTER_API_VERSION} to ${ADAPTER_API_VERSION}. ${apiVersion > ADAPTER_API_VERSION ? "Update oxtail." : "Update the adapter."}`,
      { origin: "core", data: { apiVersion, supported: [MIN_ADAPTER_API_VERSION, ADAPTER_API_VERSION] } },
    );
  }
  return parsed.data as T;
}

/**
 * Declare a client adapter. Takes the definition, or a function from options to the
 * definition, and returns the factory an adapter package default-exports. Each call
 * of the factory validates the adapter's shape, stamps `apiVersion` and the brand.
 */
export function defineClientAdapter<O = void>(
  definition: ClientAdapterDefinition | ((options?: O) => ClientAdapterDefinition),
): ClientAdapterFactory<O> {
  const factory = (options?: O): ClientAdapter => {
    const def = typeof definition === "function" ? definition(options) : definition;
    return checkClientAdapter({ apiVersion: ADAPTER_API_VERSION, ...def });
  };
  Object.defineProperty(factory, ADAPTER_BRAND, { value: true });
  return factory as ClientAdapterFactory<O>;
}

/** Declare a wake strategy; like {@link defineClientAdapter}. */
export function defineWakeStrategy<O = void>(
  definition: WakeStrategyDefinition | ((options?: O) => WakeStrategyDefinition),
): WakeStrategyFactory<O> {
  const factory = (options?: O): WakeStrategy => {
    const def = typeof definition === "function" ? definition(options) : definition;
    const strategy = validate<WakeStrategy>(
      WakeStrategyShape,
      { apiVersion: ADAPTER_API_VERSION, ...def },
      "Wake strategy",
    );
    Object.defineProperty(strategy, STRATEGY_BRAND, { value: true });
    return Object.freeze(strategy);
  };
  Object.defineProperty(factory, STRATEGY_BRAND, { value: true });
  return factory as WakeStrategyFactory<O>;
}

/** True for a factory made by {@link defineClientAdapter} (from any copy of core). */
export function isClientAdapterFactory(value: unknown): value is ClientAdapterFactory<unknown> {
  return typeof value === "function" && (value as unknown as Record<symbol, unknown>)[ADAPTER_BRAND] === true;
}

/** True for an adapter made by a {@link defineClientAdapter} factory. */
export function isClientAdapter(value: unknown): value is ClientAdapter {
  return (
    typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[ADAPTER_BRAND] === true
  );
}

/** True for a factory made by {@link defineWakeStrategy}. */
export function isWakeStrategyFactory(value: unknown): value is WakeStrategyFactory<unknown> {
  return (
    typeof value === "function" && (value as unknown as Record<symbol, unknown>)[STRATEGY_BRAND] === true
  );
}

/** True for a strategy made by a {@link defineWakeStrategy} factory. */
export function isWakeStrategy(value: unknown): value is WakeStrategy {
  return (
    typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[STRATEGY_BRAND] === true
  );
}

/** The `clientInfo` rung every detection ladder starts with: does MCP initialize name this client? */
export function clientInfoVerdict(
  clientInfo: { name: string; version?: string } | null,
  expectedName: string,
): { verdict: { strategy: string; found: boolean; reason: string }; version: string | null } {
  const found = clientInfo?.name === expectedName;
  return {
    verdict: {
      strategy: "clientInfo",
      found,
      reason: clientInfo
        ? `initialize clientInfo.name is ${JSON.stringify(clientInfo.name)}`
        : "no initialize clientInfo seen yet",
    },
    version: found ? (clientInfo?.version ?? null) : null,
  };
}
