import os from "node:os";
import type { AgentRecord, HookRole } from "@oxtail/core";
import { type DeliveryOutlook, readIdentityDrop } from "@oxtail/core/runtime";
import type { ServerContext } from "../context.js";

/** How long an outlook may look at the peer (its wake strategies' readiness), ms. */
export const OUTLOOK_DEADLINE_MS = 1500;

/** The peer's busy/idle from its adapter's liveness, or null when its adapter cannot tell. */
export async function peerLiveness(context: ServerContext, peer: AgentRecord) {
  // An agent of another machine: that machine's server tells, through the transport.
  const remote = context.transport.remoteLiveness?.(peer);
  if (remote) return remote;
  const adapter = context.adapterFor(peer.client.type);
  return adapter?.capabilities.liveness && adapter.liveness
    ? await adapter.liveness(peer).catch(() => null)
    : null;
}

type HookState = DeliveryOutlook["hooks"];

/**
 * Whether oxtail's hooks run for the peer: `active` when its session left an identity drop (its
 * hook program ran for it), else what the adapter's onboarding says of this user's config.
 */
export async function hookState(
  context: ServerContext,
  peer: AgentRecord,
  env: NodeJS.ProcessEnv,
): Promise<{ state: HookState; roles: Set<HookRole>; fix?: string }> {
  const adapter = context.adapterFor(peer.client.type);
  const roles = new Set((adapter?.hooks?.events ?? []).map((e) => e.role));
  const session = peer.client.session_id;
  if (!adapter?.capabilities.hooks || roles.size === 0) return { state: "unsupported", roles };
  if (!session) return { state: "unsupported", roles };
  // An agent of another machine: its machine judges (its identity drops and config are there).
  const remote = await (context.transport.remoteHooks?.(peer) ?? null);
  if (remote === "not-set-up")
    return {
      state: remote,
      roles,
      fix: `oxtail setup --${adapter.name} on its machine (sets up ${adapter.displayName}'s hooks)`,
    };
  if (remote) return { state: remote, roles };
  if (readIdentityDrop(context.home, session)) return { state: "active", roles };
  const configured = adapter.onboarding
    ? await adapter.onboarding
        .configured({
          env,
          home: env.HOME ?? os.homedir(),
          cwd: context.cwd,
          project: false,
          hooksOnly: true,
          server: { command: process.execPath, args: [] },
          hookProgram: "",
          options: {},
        })
        .catch(() => false)
    : false;
  return configured
    ? { state: "configured", roles }
    : {
        state: "not-set-up",
        roles,
        fix: `oxtail setup --${adapter.name} (sets up ${adapter.displayName}'s hooks)`,
      };
}

/**
 * When `peer` will see a message sent now, from what is true now: its busy/idle (adapter liveness),
 * its hooks (see {@link hookState}) and the wake that would run (the waker's status, the same answer
 * `wake_status` gives). `kind: "send"` runs no wake, so only strategies that wake by themselves when
 * mail lands count; `"ask"` runs the peer's whole wake ladder. Honest, not hopeful: a hook that is
 * not known to run is not counted on, and with busy/idle unknown the later path is named.
 */
export async function deliveryOutlook(
  context: ServerContext,
  peer: AgentRecord,
  kind: "send" | "ask",
  env: NodeJS.ProcessEnv,
): Promise<DeliveryOutlook> {
  const [live, hooks, wake] = await Promise.all([
    peerLiveness(context, peer),
    hookState(context, peer, env),
    context.waker.status(peer, {
      deadline: Date.now() + OUTLOOK_DEADLINE_MS,
      onArrivalOnly: kind === "send",
    }),
  ]);
  const busy = live?.state === "busy" ? true : live?.state === "idle" ? false : null;
  const running = hooks.state === "active" || hooks.state === "configured";
  // Hooks that cannot reach this transport's mail hand nothing over, however set up: say why.
  const blocked = running ? (context.transport.hooksCannotDeliver ?? null) : null;
  const usable = running && !blocked;
  // One sentence for the model: what happens, and the fix when hooks would help and are not set up.
  // The long why (liveness, each wake strategy's readiness) is wake_status's and doctor's to give.
  // A broadcast carries one outlook per peer: every byte here is paid once per copy.
  const fix =
    hooks.state === "not-set-up" && !context.transport.hooksCannotDeliver ? ` Fix: ${hooks.fix}.` : "";
  const out = (
    path: DeliveryOutlook["path"],
    why: string,
    strategy: string | null = null,
  ): DeliveryOutlook => ({
    path,
    ...(strategy ? { wake_strategy: strategy } : {}),
    ...(busy === null ? {} : { busy }),
    hooks: hooks.state,
    reason: `${why}.${fix}`,
  });
  if (busy === true) {
    if (usable && hooks.roles.has("mid-turn"))
      return out(
        "hook-mid-turn",
        `In a turn: its hook hands the message over before its next tool call${hooks.roles.has("before-idle") ? " or when the turn ends" : ""}`,
      );
    if (usable && hooks.roles.has("before-idle"))
      return out("hook-end-of-turn", "In a turn: its hook hands the message over when the turn ends");
    return out(
      "read_my_messages-only",
      `In a turn, and no hook of its hands mail over${blocked ? ` (${blocked})` : ""}: it sees the message when it calls read_my_messages`,
    );
  }
  const idle = busy === false ? "Idle" : "Busy/idle unknown";
  if (wake.ready && wake.strategy)
    return out(
      "wake",
      `${idle}: ${kind === "ask" ? "ask_peer wakes it" : "it is woken as soon as the message lands"} (${wake.strategy})`,
      wake.strategy,
    );
  if (usable && (hooks.roles.has("next-prompt") || hooks.roles.has("session-start")))
    return out(
      "next-prompt",
      `${idle}: its hook hands the message over with its next prompt (no wake would run)`,
    );
  return out(
    "read_my_messages-only",
    `${idle}: it waits until the peer calls read_my_messages (no hook or wake hands it over${blocked ? `: ${blocked}` : ""})`,
  );
}
