import type { ClientAdapter, WakeStrategy } from "../adapter/types.js";
import { isOxtailError, OxtailError } from "../errors.js";
import { createMailbox, type Mailbox } from "../mailbox/mailbox.js";
import { createFsMailboxStore } from "../mailbox/store-fs.js";
import { instanceMailboxKey, type Message, type Sender, sessionMailboxKey } from "../mailbox/types.js";
import { selfProcess } from "../process/liveness.js";
import { createRegistry, findAgent, mailboxKeyOf, type Registry } from "../registry/registry.js";
import { createFsRegistryStore } from "../registry/store-fs.js";
import type { AgentRecord } from "../registry/types.js";
import { assertSameProject, createProjectResolver, type ProjectScope } from "../scope/project.js";
import type { WakeReport } from "../tools/contracts.js";
import { NULL_TRACER, type Tracer } from "../trace/trace.js";
import { onArrivalUnavailable, type Transport } from "../transport/transport.js";
import { createWaker, type Waker } from "../wake/waker.js";

/** The client type an operator's temporary record carries while `oxtail ask` waits for a reply. */
export const OPERATOR_CLIENT_TYPE = "operator";
/** How long a wake of `oxtail send` may take, ms. */
export const OPERATOR_WAKE_MS = 15_000;

/** What operator messages need: the data directory, the folder the human is in, and how to wake. */
export interface OperatorOptions {
  home: string;
  /** The human's folder: its project is the scope (SPEC §1). */
  cwd: string;
  /** Every wake strategy loaded (adapters' and tmux). */
  strategies: Iterable<WakeStrategy>;
  adapterFor: (type: string | null) => ClientAdapter | null;
  tracer?: Tracer;
  /**
   * Where the registry and mailboxes are (SPEC §12): absent, the data directory. With another
   * transport, agents on other machines are reached too, and woken by their own machine.
   */
  transport?: Transport;
}

/** One recipient of an operator message. */
export interface OperatorDelivery {
  target: string;
  message_id: string;
  to_session_id: string | null;
  wake: WakeReport;
}

interface Parts {
  registry: Registry;
  mailbox: Mailbox;
  waker: Waker;
  scope: ProjectScope;
  projects: ReturnType<typeof createProjectResolver>;
}

function parts(options: OperatorOptions): Parts {
  const tracer = options.tracer ?? NULL_TRACER;
  const projects = createProjectResolver();
  const { transport } = options;
  const local = createWaker({
    home: options.home,
    strategies: options.strategies,
    tracer,
    adapterFor: options.adapterFor,
    ...(transport ? onArrivalUnavailable(transport) : {}),
  });
  return {
    registry: createRegistry({
      store: transport?.registry ?? createFsRegistryStore({ home: options.home, tracer }),
      tracer,
      ...(transport?.isAlive
        ? { isAlive: (record: AgentRecord) => transport.isAlive?.(record) ?? false }
        : {}),
    }),
    mailbox: createMailbox({
      store: transport?.mailbox ?? createFsMailboxStore({ home: options.home, tracer }),
      tracer,
    }),
    waker: transport?.waker?.(local) ?? local,
    scope: projects.resolveScope(undefined, options.cwd),
    projects,
  };
}

const cwdOf = (agent: AgentRecord) => agent.client.cwd ?? agent.cwd;

/**
 * The agents a target names in the human's project, resolved as the tools resolve them (tmux name or
 * session id; `not-found`, `ambiguous-target`, `out-of-scope` for an agent of another project), or
 * every agent of the project for `*`. Operators' own temporary records are never targets.
 */
async function targets(p: Parts, target: string): Promise<AgentRecord[]> {
  const all = (await p.registry.list()).filter((a) => a.client.type !== OPERATOR_CLIENT_TYPE);
  const mine = all.filter((a) => p.projects.projectOf(cwdOf(a)).id === p.scope.project.id);
  if (target === "*") {
    if (mine.length === 0)
      throw new OxtailError(
        "not-found",
        `No agent is registered in this project (${p.scope.project.worktree}).`,
      );
    return mine;
  }
  try {
    return [findAgent(mine, target)];
  } catch (error) {
    if (!isOxtailError(error, "not-found")) throw error;
    const elsewhere = all.find((a) => {
      try {
        return !mine.includes(a) && findAgent([a], target) === a;
      } catch {
        return false;
      }
    });
    if (elsewhere)
      assertSameProject(p.scope, p.projects.projectOf(cwdOf(elsewhere)), `Agent ${JSON.stringify(target)}`);
    throw error;
  }
}

function operatorSender(sessionId: string | null): Sender {
  return {
    session_id: sessionId,
    instance_id: selfProcess().token,
    client_type: OPERATOR_CLIENT_TYPE,
    display_name: "the user (oxtail command line)",
  };
}

const targetName = (agent: AgentRecord) =>
  agent.client.session_id ?? agent.tmux?.session ?? agent.instance_id;

/**
 * `oxtail send`: the human's message (`origin: "operator"`, never rate-limited) to one agent or to
 * every agent of the project (`*`), each woken if it sits idle. Resolves once every wake reported.
 */
export async function operatorSend(
  options: OperatorOptions,
  target: string,
  body: string,
): Promise<OperatorDelivery[]> {
  const p = parts(options);
  const peers = await targets(p, target);
  const from = operatorSender(null);
  const fromMailbox = instanceMailboxKey(from.instance_id);
  const sent: { peer: AgentRecord; message: Message }[] = [];
  for (const peer of peers) {
    const message = await p.mailbox.send({
      from,
      fromMailbox,
      to: mailboxKeyOf(peer),
      toSessionId: peer.client.session_id,
      body,
      replyTo: null,
      origin: "operator",
    });
    sent.push({ peer, message });
  }
  const deadline = Date.now() + OPERATOR_WAKE_MS;
  return Promise.all(
    sent.map(async ({ peer, message }) => ({
      target: targetName(peer),
      message_id: message.id,
      to_session_id: peer.client.session_id,
      wake: await p.waker.wake(peer, { deadline }),
    })),
  );
}

/** The outcome of {@link operatorAsk}. */
export interface OperatorAnswer {
  question_id: string;
  timed_out: boolean;
  reply: Message | null;
  wake: WakeReport;
}

/**
 * `oxtail ask`: the human's question (`origin: "operator"`) to one agent, which is woken if idle, then
 * the wait for its reply. While it waits, the human is a registered party with a session id of its
 * own (client type `operator`), so the agent can answer with send_message like any peer; the record
 * goes when the wait ends (a reply sent after that is refused as `not-found`).
 */
export async function operatorAsk(
  options: OperatorOptions,
  target: string,
  body: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<OperatorAnswer> {
  const p = parts(options);
  const [peer] = await targets(p, target);
  if (!peer) throw new OxtailError("not-found", `No agent named ${JSON.stringify(target)}.`);
  if (!peer.client.session_id)
    throw new OxtailError(
      "peer-has-no-session-id",
      "That agent has not told oxtail its session id yet, so its reply could not be recognised. Use `oxtail send`.",
    );
  const me = selfProcess();
  // Loaded only here: node:crypto costs every process that loads core's runtime (docs/benchmarks.md).
  const { randomUUID } = await import("node:crypto");
  const sessionId = randomUUID();
  const now = new Date().toISOString();
  const record: AgentRecord = {
    schema: 1,
    instance_id: me.token,
    pid: me.pid,
    start_time: me.startTime,
    started_at: now,
    updated_at: now,
    oxtail_version: "operator",
    cwd: options.cwd,
    client: {
      type: OPERATOR_CLIENT_TYPE,
      name: "oxtail ask",
      version: null,
      session_id: sessionId,
      transcript_path: null,
      cwd: options.cwd,
    },
    tmux: null,
    state: { v: 1, purpose: "the user, waiting for an answer (oxtail ask)", set_at: now },
  };
  await p.registry.register(record);
  const inbox = sessionMailboxKey(sessionId);
  try {
    const baseline = await p.waker.turnSignal(peer);
    const question = await p.mailbox.send({
      from: operatorSender(sessionId),
      fromMailbox: inbox,
      to: mailboxKeyOf(peer),
      toSessionId: peer.client.session_id,
      body,
      replyTo: null,
      origin: "operator",
    });
    const stopWake = new AbortController();
    const waking = p.waker.wake(peer, {
      baseline,
      deadline: Date.now() + timeoutMs,
      signal: signal ? AbortSignal.any([stopWake.signal, signal]) : stopWake.signal,
    });
    const claim = await p.mailbox.waitFor(inbox, (m) => m.from.session_id === peer.client.session_id, {
      timeoutMs,
      ...(signal ? { signal } : {}),
      prefer: (m) => m.reply_to === question.id,
    });
    const reply = claim?.messages[0] ?? null;
    if (reply) stopWake.abort(new Error("the reply arrived"));
    const wake = await waking;
    await claim?.ack();
    return { question_id: question.id, timed_out: reply === null, reply, wake };
  } finally {
    await p.registry.unregister(record.instance_id).catch(() => {});
  }
}
