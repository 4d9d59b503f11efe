import { type DetectionContext, type DetectionReport, processStartedAt } from "@oxtail/core";
import type { ServerContext } from "./context.js";

/** Re-detect every this many ms while the session id is unknown (some clients make it at the first prompt). */
export const REDETECT_MS = 2000;
/** Give up re-detecting after this long. */
export const REDETECT_FOR_MS = 30 * 60 * 1000;

/** One loaded adapter's detection report. */
export interface AdapterDetection {
  name: string;
  report: DetectionReport;
}

/**
 * The adapter a server takes its identity from when several match (docs/adapters.md, "When two
 * adapters match"): among those that matched, the one that found a session id; then the one with
 * the most strategies that found something; then the first in load order (the built-ins in the order
 * oxtail's package.json lists them, then `$OXTAIL_HOME/config.json`'s adapters, then
 * `OXTAIL_ADAPTERS`). Null when none matched. `reports` are in load order.
 */
export function chooseDetection(reports: readonly AdapterDetection[]): AdapterDetection | null {
  const found = (r: DetectionReport) => r.strategies.filter((s) => s.found).length;
  let best: AdapterDetection | null = null;
  for (const candidate of reports) {
    if (!candidate.report.matched) continue;
    if (!best) {
      best = candidate;
      continue;
    }
    const hasId = Boolean(candidate.report.session?.sessionId);
    const bestHasId = Boolean(best.report.session?.sessionId);
    // Strictly better only: on a tie the adapter loaded first keeps it.
    if (hasId !== bestHasId ? hasId : found(candidate.report) > found(best.report)) best = candidate;
  }
  return best;
}

/**
 * Run every adapter's detection ladder and apply the chosen verdict ({@link chooseDetection}) to this
 * instance's record. Identity pinned by claim_session is kept.
 */
export async function detectIdentity(context: ServerContext, env: NodeJS.ProcessEnv): Promise<void> {
  // The other live agents: what they already hold (a client process, a pane) is not this server's.
  const others = (await context.registry.list().catch(() => []))
    .filter((r) => r.instance_id !== context.self.instance_id)
    .map((r) => ({
      sessionId: r.client.session_id,
      clientPid: r.client.pid ?? null,
      clientStartTime: r.client.start_time ?? null,
      tmuxPane: r.tmux?.pane ?? null,
    }));
  const detection: DetectionContext = {
    otherAgents: others,
    env,
    clientInfo: context.clientInfo,
    pid: process.pid,
    cwd: context.cwd,
    startedAt: processStartedAt(process.pid) ?? Date.parse(context.self.started_at),
    oxtailHome: context.home,
  };
  const reports: AdapterDetection[] = [];
  for (const { adapter } of context.adapters) {
    if (!adapter) continue;
    try {
      reports.push({ name: adapter.name, report: await adapter.detect(detection) });
    } catch (error) {
      reports.push({
        name: adapter.name,
        report: {
          matched: false,
          strategies: [
            { strategy: "detect", found: false, reason: `detection threw: ${(error as Error).message}` },
          ],
        },
      });
    }
  }
  context.detection = reports.flatMap(({ name, report }) =>
    report.strategies.map((s) => ({ adapter: name, ...s })),
  );
  context.tracer.trace({ kind: "identity.detected", reports });

  for (const { name, report } of reports) {
    const id = report.matched ? report.session?.sessionId : null;
    if (id) {
      const how = report.strategies.filter((s) => s.found).map((s) => s.strategy);
      context.sessionEvidence.set(id.toLowerCase(), `${name} detection (${how.join(", ")})`);
    }
  }
  const best = chooseDetection(reports);
  if (!best) return;
  const session = best.report.session ?? {};
  const pane = session.tmuxPane ?? context.self.tmux?.pane ?? null;
  const socket = session.tmuxSocket ?? context.self.tmux?.socket ?? null;
  const where = pane ? await locatePane(context, socket, pane) : null;
  await context.updateSelf((record) => {
    record.client.type = best.name;
    record.client.name = context.clientInfo?.name ?? record.client.name;
    record.client.version = session.clientVersion ?? context.clientInfo?.version ?? record.client.version;
    if (!context.pinned) {
      record.client.session_id = session.sessionId ?? record.client.session_id;
      record.client.transcript_path = session.transcriptPath ?? record.client.transcript_path;
    }
    record.client.cwd = session.cwd ?? record.client.cwd ?? context.cwd;
    if (session.clientPid) {
      record.client.pid = session.clientPid;
      record.client.start_time = session.clientStartTime ?? null;
    }
    if (pane)
      record.tmux = {
        socket: where?.socket ?? socket,
        session: where?.session ?? null,
        window: where?.window ?? null,
        pane,
      };
    return record;
  });
}

async function locatePane(context: ServerContext, socket: string | null, pane: string) {
  try {
    const panes = await context.tmuxFor(socket).listPanes();
    return panes.find((p) => p.pane === pane) ?? null;
  } catch {
    return null;
  }
}

/** Keep re-detecting while no session id is known (some clients make their session at the first prompt). */
export function scheduleRedetection(context: ServerContext, env: NodeJS.ProcessEnv): () => void {
  const until = Date.now() + REDETECT_FOR_MS;
  let running = false;
  const timer = setInterval(() => {
    if (context.self.client.session_id || Date.now() > until) {
      clearInterval(timer);
      return;
    }
    if (running) return;
    running = true;
    detectIdentity(context, env)
      .catch((error) => context.tracer.trace({ kind: "identity.failed", error: String(error) }))
      .finally(() => {
        running = false;
      });
  }, REDETECT_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Learn identity from a tool call's `_meta`, when the client's adapter reads it (some clients
 * send their session id there on every call). Authoritative, so it wins over detection;
 * identity pinned by claim_session is kept.
 */
export async function identityFromMeta(
  context: ServerContext,
  meta: Readonly<Record<string, unknown>>,
): Promise<void> {
  if (context.pinned) return;
  for (const { adapter } of context.adapters) {
    const found = adapter?.identityFromRequestMeta?.(meta);
    if (!adapter || !found?.sessionId) continue;
    if (found.sessionId === context.self.client.session_id && context.self.client.type === adapter.name)
      return;
    context.sessionEvidence.set(found.sessionId.toLowerCase(), `${adapter.name} request _meta`);
    context.detection = [
      ...context.detection.filter((d) => d.strategy !== "request-meta"),
      {
        adapter: adapter.name,
        strategy: "request-meta",
        found: true,
        reason: `a tool call's _meta names session ${found.sessionId}`,
      },
    ];
    await context.updateSelf((record) => {
      record.client.type = adapter.name;
      record.client.session_id = found.sessionId ?? record.client.session_id;
      record.client.transcript_path = found.transcriptPath ?? record.client.transcript_path;
      return record;
    });
    return;
  }
}
