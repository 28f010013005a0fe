// How the dashboard writes times, durations and rates. Times are UTC, as the API's are.

export function formatTime(d: Date | null | undefined): string {
  if (!d) return '—';
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** The value of a datetime-local input (UTC, to the minute). */
export const inputTime = (d: Date): string => d.toISOString().slice(0, 16);

export function formatAge(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

export const formatMs = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '—' : `${ms} ms`);

export const formatRate = (r: number | null): string => (r === null ? '—' : `${(Math.round(r * 1000) / 10).toFixed(1)} %`);

export const formatCount = (n: number): string => n.toLocaleString('en-US');
