// Service switches: named on/off values an operator flips for a service, which every host
// of the service writes into the container's config directory (`switches/<name>`).
import { z } from 'zod';
import { text } from './text.js';

/** A file name in the service's config directory: no slash, and no leading dot (so never `.` or `..`). */
export const SwitchName = text()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'must start with a lowercase letter or digit, then lowercase letters, digits, ., - and _ (at most 63)');

/** `PUT /api/v1/services/:name/switches/:switch`. */
export const SwitchChange = z.strictObject({ enabled: z.boolean() });
export type SwitchChange = z.infer<typeof SwitchChange>;

export interface SwitchView {
  service: string;
  name: string;
  enabled: boolean;
  updatedBy: string;
  updatedAt: string;
}
