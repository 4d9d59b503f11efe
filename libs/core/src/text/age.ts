/**
 * How long ago `iso` was, in one short unit a reader takes in at a glance: `12s`, `5m`, `3h`,
 * `2d`. Null for a missing or unreadable time; a time in the future (clock skew) is `0s`.
 */
export function ageOf(iso: string | null | undefined, now: number = Date.now()): string | null {
  if (!iso) return null;
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return null;
  const seconds = Math.max(0, Math.floor((now - at) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}
