import type { AgentRecord, Liveness } from "@oxtail/core";
import {
  type DeliveryOutlook,
  type WakeHandlers,
  type WakeReport,
  WakeReportSchema,
  type Waker,
  type WakeStatus,
} from "@oxtail/core/runtime";
import type { Link } from "./link.js";
import type { ProjectNames } from "./names.js";
import { type AskServer, answerRead } from "./remote-read.js";

/** How long a wake request waits for the peer's machine when the caller set no deadline, ms. */
export const REMOTE_WAKE_DEFAULT_MS = 20_000;
/** The longest a served wake may take, whatever the request says, ms. */
const MAX_SERVED_WAKE_MS = 120_000;

/** How long a busy/idle question waits for the peer's machine, ms. */
export const REMOTE_LIVENESS_MS = 2000;

interface WakeRequest {
  op: "wake" | "status" | "liveness" | "hooks" | "turns" | "pane";
  deadline: number;
  /** For "turns": how many. */
  limit?: number;
  /** For "pane": how many lines. */
  lines?: number;
}

/** Asks of a server instance on its own machine, bound to one link and project. */
export function askServer(link: Link, names: ProjectNames): AskServer {
  return (agent, request) => ask(link, names, agent, request);
}

/** Ask the server instance of `agent`, on its own machine; resolves to its JSON answer. */
async function ask(
  link: Link,
  names: ProjectNames,
  agent: AgentRecord,
  request: WakeRequest,
): Promise<unknown> {
  const { nc } = await link.up();
  const timeout = Math.max(1000, request.deadline - Date.now() + 500);
  const reply = await nc.request(names.wake(agent.instance_id), JSON.stringify(request), { timeout });
  return reply.json();
}

type HookState = DeliveryOutlook["hooks"];
const HOOK_STATES: readonly string[] = ["active", "configured", "not-set-up", "unsupported"];

/**
 * Whether oxtail's hooks run for an agent of another machine, as its own server judges it there (null
 * when it does not answer); null for this machine's agents.
 */
export function remoteHooks(
  link: Link,
  names: ProjectNames,
  isRemote: (agent: AgentRecord) => boolean,
): (agent: AgentRecord) => Promise<HookState | null> | null {
  return (agent) => {
    if (!isRemote(agent)) return null;
    return ask(link, names, agent, { op: "hooks", deadline: Date.now() + REMOTE_LIVENESS_MS }).then(
      (got) => (typeof got === "string" && HOOK_STATES.includes(got) ? (got as HookState) : null),
      () => null,
    );
  };
}

/**
 * The busy/idle of an agent of another machine, as its own server reports it (its adapter sees its
 * process and transcript there); null for this machine's agents.
 */
export function remoteLiveness(
  link: Link,
  names: ProjectNames,
  isRemote: (agent: AgentRecord) => boolean,
): (agent: AgentRecord) => Promise<Liveness> | null {
  const unknown = (reason: string): Liveness => ({ state: "unknown", lastActivity: null, reason });
  return (agent) => {
    if (!isRemote(agent)) return null;
    return ask(link, names, agent, { op: "liveness", deadline: Date.now() + REMOTE_LIVENESS_MS }).then(
      (got) => {
        const live = got as Partial<Liveness> | null;
        if (
          live &&
          (live.state === "busy" || live.state === "idle" || live.state === "unknown") &&
          typeof live.reason === "string" &&
          (live.lastActivity === null || typeof live.lastActivity === "string")
        )
          return {
            state: live.state,
            lastActivity: live.lastActivity,
            reason: `its machine says: ${live.reason.slice(0, 300)}`,
          };
        return unknown("its machine's server cannot tell busy from idle");
      },
      (error: Error) => unknown(`its machine did not answer (${error.message})`),
    );
  };
}

/**
 * A waker for agents on other machines: a wake (or a readiness question) is a NATS request to the
 * peer's own server instance, which wakes its agent through its local adapter and answers with the
 * report. Local agents go to the local waker unchanged.
 */
export function relayWaker(
  link: Link,
  names: ProjectNames,
  isRemote: (agent: AgentRecord) => boolean,
  local: Waker,
): Waker {
  const last = new Map<string, WakeReport>();
  const keyOf = (agent: AgentRecord) => agent.client.session_id ?? agent.instance_id;

  const failed = (reason: string): WakeReport => ({
    attempted: false,
    strategy: "nats",
    outcome: "failed",
    verified_after_ms: null,
    reason,
    deadline_reached: false,
  });

  return {
    async wake(agent, options = {}) {
      if (!isRemote(agent)) return local.wake(agent, options);
      const deadline = options.deadline ?? Date.now() + REMOTE_WAKE_DEFAULT_MS;
      let report: WakeReport;
      try {
        const parsed = WakeReportSchema.safeParse(await ask(link, names, agent, { op: "wake", deadline }));
        report = parsed.success ? parsed.data : failed("nats: the peer's machine sent no wake report");
      } catch (error) {
        report = failed(
          `nats: the peer's machine did not answer the wake request (${(error as Error).message})`,
        );
      }
      last.set(keyOf(agent), report);
      return report;
    },
    async status(agent, options = {}) {
      if (!isRemote(agent)) return local.status(agent, options);
      const deadline = options.deadline ?? Date.now() + 5000;
      try {
        const got = (await ask(link, names, agent, { op: "status", deadline })) as WakeStatus;
        if (got && typeof got.ready === "boolean" && typeof got.reason === "string") return got;
      } catch {
        // no answer: below
      }
      return {
        strategy: null,
        ready: false,
        outcome: "skipped",
        reason: "nats: the peer's machine did not answer",
      };
    },
    async turnSignal(agent) {
      // The peer's own machine verifies its wake; nothing here can see its transcript.
      return isRemote(agent) ? { size: -1, busy: false } : local.turnSignal(agent);
    },
    lastWake(agent) {
      return isRemote(agent) ? (last.get(keyOf(agent)) ?? null) : local.lastWake(agent);
    },
  };
}

/** Answer the wake requests other machines send to one server instance. */
export function serveWakes(
  link: Link,
  names: ProjectNames,
  instanceId: string,
  handlers: WakeHandlers,
): () => void {
  let sub: { unsubscribe(): void } | null = null;
  let stopped = false;
  void link
    .ready()
    .then(({ nc }) => {
      if (stopped) return;
      sub = nc.subscribe(names.wake(instanceId), {
        callback: (error, msg) => {
          if (error) return;
          let request: WakeRequest;
          try {
            request = msg.json<WakeRequest>();
          } catch {
            return;
          }
          const now = Date.now();
          const deadline = Math.min(
            Number.isFinite(request.deadline) ? request.deadline : now,
            now + MAX_SERVED_WAKE_MS,
          );
          // Only a request that says "wake" wakes: anything else is answered, never acted on.
          const answer =
            request.op === "wake"
              ? handlers.wake(deadline)
              : request.op === "status"
                ? handlers.status(deadline)
                : request.op === "liveness" && handlers.liveness
                  ? handlers.liveness()
                  : request.op === "hooks" && handlers.hooks
                    ? handlers.hooks()
                    : (answerRead(handlers, request) ?? Promise.resolve(null));
          void answer.then(
            (value) => msg.respond(JSON.stringify(value)),
            () => msg.respond(JSON.stringify(null)),
          );
        },
      });
    })
    .catch(() => {});
  return () => {
    stopped = true;
    sub?.unsubscribe();
  };
}
