// Shared bits of presentation.
import type { ComponentChildren } from 'preact';

export const time = (iso: string | Date | null | undefined): string =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }) : '—';
export const clock = (at: Date): string => at.toLocaleTimeString(undefined, { hour12: false });
export const shortId = (id: string): string => id.slice(0, 8);

/** Who started a rollout: a user's id (names are an admin's to list), or the scheduler. */
export const startedBy = (rollout: { startedBy: string | null }): string =>
  rollout.startedBy ? `by user ${shortId(rollout.startedBy)}` : 'by the scheduler';

/** The tag of an image reference (`registry/web:2` -> `2`), or the digest's start. */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1, at + 20);
  const name = image.slice(image.lastIndexOf('/') + 1);
  return name.includes(':') ? name.slice(name.indexOf(':') + 1) : 'latest';
}

export function Pill({ kind, children, title }: { kind: string; children: ComponentChildren; title?: string }) {
  return (
    <span class={`pill pill-${kind}`} title={title}>
      {children}
    </span>
  );
}

export function ErrorLine({ error }: { error: string | null }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}
