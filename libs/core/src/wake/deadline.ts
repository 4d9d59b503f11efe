/** Why a wake stopped early: its deadline passed, or its caller gave up (with the caller's reason). */
export type CutReason = { kind: "deadline" } | { kind: "aborted"; reason: string };

/**
 * A deadline (an absolute time) and an optional abort signal, as one thing every step of a wake
 * races against. Racing stops waiting, not the work: a step that ignores the signal still runs to
 * its end, but nobody waits for it past the cut.
 */
export interface Cut {
  /** Aborted when the deadline passes or the outer signal aborts: handed to strategies. */
  readonly signal: AbortSignal;
  /** The deadline (epoch ms), or null. */
  readonly deadline: number | null;
  /** Why the cut came, or null while it has not. */
  reason(): CutReason | null;
  /** `work`'s value, or null when the cut comes first. A rejection of `work` before the cut rejects. */
  race<T>(work: Promise<T>): Promise<{ value: T } | null>;
  /** Wait `ms`; false when the cut came first. */
  sleep(ms: number): Promise<boolean>;
  /** Drop the timer and the listener on the outer signal. */
  dispose(): void;
}

function describeAbort(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return typeof reason === "string" ? reason : "the caller gave up";
}

/** A {@link Cut} for `deadline` (epoch ms) and `signal`, either optional. */
export function createCut(deadline?: number | null, signal?: AbortSignal): Cut {
  const controller = new AbortController();
  let why: CutReason | null = null;
  const cut = (reason: CutReason) => {
    if (why) return;
    why = reason;
    controller.abort(reason.kind === "deadline" ? new Error("the deadline was reached") : reason.reason);
  };
  const onAbort = () => cut({ kind: "aborted", reason: describeAbort(signal?.reason) });
  let timer: NodeJS.Timeout | null = null;
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  if (!why && deadline !== undefined && deadline !== null) {
    const left = deadline - Date.now();
    if (left <= 0) cut({ kind: "deadline" });
    else {
      timer = setTimeout(() => cut({ kind: "deadline" }), left);
      timer.unref();
    }
  }
  const whenCut = new Promise<null>((resolve) => {
    if (controller.signal.aborted) resolve(null);
    else controller.signal.addEventListener("abort", () => resolve(null), { once: true });
  });
  return {
    signal: controller.signal,
    deadline: deadline ?? null,
    reason: () => why,
    race: (work) =>
      why ? Promise.resolve(null) : Promise.race([work.then((value) => ({ value })), whenCut]),
    async sleep(ms) {
      if (why) return false;
      let wait: NodeJS.Timeout | undefined;
      const slept = await Promise.race([
        new Promise<true>((resolve) => {
          wait = setTimeout(() => resolve(true), Math.max(0, ms));
        }),
        whenCut.then(() => false as const),
      ]);
      clearTimeout(wait);
      return slept;
    },
    dispose() {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    },
  };
}
