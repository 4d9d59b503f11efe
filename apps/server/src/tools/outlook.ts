import os from "node:os";
import type { AgentRecord, HookRole } from "@oxtail/core";
import { type DeliveryOutlook, readIdentityDrop } from "@oxtail/core/runtime";
import type { ServerContext } from "../context.js";

/** How long an outlook may look at the peer (its wake strategies' readiness), ms. */
export const OUTLOOK_DEADLINE_MS = 1500;

/** The peer's busy/idle from its adapter's liveness, or null when its adapter cannot tell. */
export async function peerLiveness(context: ServerContext, peer: AgentRecord) {
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
async function hookState(
  context: ServerContext,
  peer: AgentRecord,
  env: NodeJS.ProcessEnv,
): Promise<{ state: HookState; roles: Set<HookRole>; why: string }> {
  const adapter = context.adapterFor(peer.client.type);
  const roles = new Set((adapter?.hooks?.events ?? []).map((e) => e.role));
  const session = peer.client.session_id;
  if (!adapter?.capabilities.hooks || roles.size === 0)
    return {
      state: "unsupported",
      roles,
      why: adapter
        ? `${adapter.displayName} runs no oxtail hooks`
        : "the peer's client is not known to oxtail",
    };
  if (!session)
    return {
      state: "unsupported",
      roles,
      why: "the peer has not told oxtail its session id, so its hooks cannot find this mail until it does",
    };
  if (readIdentityDrop(context.home, session))
    return { state: "active", roles, why: `${adapter.displayName}'s oxtail hooks have run for this session` };
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
    ? {
        state: "configured",
        roles,
        why: `${adapter.displayName}'s oxtail hooks are set up in this user's config (not seen running for this session yet)`,
      }
    : {
        state: "not-set-up",
        roles,
        why: `oxtail's hooks are not set up for ${adapter.displayName} (oxtail setup --${adapter.name})`,
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
  const usable = hooks.state === "active" || hooks.state === "configured";
  const state =
    busy === null ? "busy/idle unknown" : `${busy ? "busy" : "idle"} (${live?.reason ?? "liveness"})`;
  const out = (
    path: DeliveryOutlook["path"],
    why: string,
    strategy: string | null = null,
  ): DeliveryOutlook => ({
    path,
    wake_strategy: strategy,
    busy,
    hooks: hooks.state,
    reason: `${why}. Peer ${state}; ${hooks.why}.`,
  });
  if (busy === true) {
    if (usable && hooks.roles.has("mid-turn"))
      return out(
        "hook-mid-turn",
        `The peer is in a turn: its hook hands the message over before its next tool call${hooks.roles.has("before-idle") ? ", or when the turn ends" : ""}`,
      );
    if (usable && hooks.roles.has("before-idle"))
      return out(
        "hook-end-of-turn",
        "The peer is in a turn: its hook hands the message over when the turn ends",
      );
    return out(
      "read_my_messages-only",
      "The peer is in a turn and no hook of its hands mail over (no wake runs on a busy peer): it sees the message when it calls read_my_messages",
    );
  }
  if (wake.ready && wake.strategy)
    return out(
      "wake",
      `The peer is not in a turn: ${kind === "ask" ? "ask_peer wakes it" : "it is woken as soon as the message lands"} (${wake.reason})`,
      wake.strategy,
    );
  const wakeWhy = `no wake would run (${wake.reason})`;
  if (usable && (hooks.roles.has("next-prompt") || hooks.roles.has("session-start")))
    return out(
      "next-prompt",
      `The peer's hook hands the message over with its next prompt (from its user or a wake), or at its next hook event if it is in a turn; ${wakeWhy}`,
    );
  return out(
    "read_my_messages-only",
    `Nothing hands the message over: it waits until the peer calls read_my_messages; ${wakeWhy}`,
  );
}
