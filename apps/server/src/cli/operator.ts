// `oxtail send` and `oxtail ask`: argument handling and output only; the work is core's (operator/).

import { type ClientAdapter, inertText, safeLabel } from "@oxtail/core";
import {
  createTracer,
  DEFAULT_ASK_TIMEOUT_MS,
  type LoadedAdapter,
  type OperatorOptions,
  operatorAsk,
  operatorSend,
  type Tracer,
  type Transport,
} from "@oxtail/core/runtime";
import tmuxWake from "@oxtail/wake-tmux";
import { configuredTransport } from "../transport-config.js";

/** What both commands need. */
export interface OperatorCliContext {
  loaded: readonly LoadedAdapter[];
  oxtailHome: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  out(line: string): void;
  json: boolean;
}

/**
 * How the operator's messages are sent (core's operator/) from the command line, `oxtail top` and
 * the dashboard: the project of `cwd`, every loaded wake strategy with tmux's, the loaded adapters.
 */
export function operatorOptions(context: {
  adapters: readonly ClientAdapter[];
  oxtailHome: string;
  cwd: string;
  tracer: Tracer;
  transport?: Transport;
}): OperatorOptions {
  const { adapters } = context;
  return {
    home: context.oxtailHome,
    cwd: context.cwd,
    strategies: [tmuxWake(), ...adapters.flatMap((a) => a.wakeStrategies ?? [])],
    adapterFor: (type) => adapters.find((a) => a.name === type) ?? null,
    tracer: context.tracer,
    ...(context.transport ? { transport: context.transport } : {}),
  };
}

/**
 * Runs `work` with the operator options of the command line, on the transport the environment
 * selects (`OXTAIL_TRANSPORT`, SPEC §12: with NATS, agents on other machines too), closed after.
 */
async function withOptions<T>(
  context: OperatorCliContext,
  work: (options: OperatorOptions) => Promise<T>,
): Promise<T> {
  const tracer = createTracer(context.env.MCP_TRACE_FILE);
  const transport = await configuredTransport(context.env, context.oxtailHome, context.cwd, tracer);
  try {
    return await work(
      operatorOptions({
        adapters: context.loaded.flatMap((l) => (l.adapter ? [l.adapter] : [])),
        oxtailHome: context.oxtailHome,
        cwd: context.cwd,
        tracer,
        transport,
      }),
    );
  } finally {
    await transport.close().catch(() => {});
  }
}

/** `oxtail send <target|*> <text>`: exit 0 once queued for every recipient. */
export async function runSend(context: OperatorCliContext, target: string, text: string): Promise<number> {
  const sent = await withOptions(context, (options) => operatorSend(options, target, text));
  if (context.json) context.out(JSON.stringify({ ok: true, messages: sent }));
  else
    for (const s of sent)
      context.out(
        `sent ${s.message_id} to ${safeLabel(s.target)}; wake: ${s.wake.attempted ? `${s.wake.strategy} ${s.wake.outcome}` : s.wake.outcome} (${safeLabel(s.wake.reason)})`,
      );
  return 0;
}

/** `oxtail ask <target> <text>`: prints the reply (exit 0), or says it timed out (exit 2). */
export async function runAsk(
  context: OperatorCliContext,
  target: string,
  text: string,
  timeout: string | undefined,
): Promise<number> {
  const seconds = timeout === undefined ? null : Number(timeout);
  const timeoutMs =
    seconds !== null && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_ASK_TIMEOUT_MS;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  try {
    const answer = await withOptions(context, (options) =>
      operatorAsk(options, target, text, timeoutMs, stop.signal),
    );
    if (context.json) context.out(JSON.stringify({ ok: true, ...answer }));
    // A peer's text reaches a terminal: escape sequences are made inert.
    else if (answer.reply) context.out(inertText(answer.reply.body));
    else
      context.out(
        `no reply within ${Math.round(timeoutMs / 1000)} s (question ${answer.question_id} stays delivered; wake: ${answer.wake.outcome})`,
      );
    return answer.reply ? 0 : 2;
  } finally {
    process.off("SIGINT", onSignal);
  }
}
