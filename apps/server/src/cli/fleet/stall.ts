import { OxtailError } from "@oxtail/core";

/**
 * The stall time from `OXTAIL_STALL_MINUTES` (ms): busy with no transcript growth this long is
 * `stalled`. Unset: the model's default (5 minutes). Not a number ≥ 0: `invalid-input`.
 */
export function stallMsFrom(env: NodeJS.ProcessEnv): { stallMs?: number } {
  const raw = env.OXTAIL_STALL_MINUTES;
  if (raw === undefined || raw === "") return {};
  const minutes = Number(raw);
  if (!Number.isFinite(minutes) || minutes < 0)
    throw new OxtailError(
      "invalid-input",
      `OXTAIL_STALL_MINUTES=${JSON.stringify(raw)} is not a number of minutes.`,
    );
  return { stallMs: minutes * 60_000 };
}
