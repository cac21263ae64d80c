// Test images beyond the v1/v2 pair in test-env.ts (all built by scripts/test-services.sh).
import { testEnv } from './test-env.js';

/** Port the test images' HTTP servers listen on when $PORT is not set. */
export const TEST_IMAGE_PORT = 18080;

/**
 * A bad release: its container prints one line to stderr and exits 1 at once (for
 * failed-health tests). TARMAC_TEST_IMAGE_BAD, as exported by test-services.sh start.
 */
export function badImage(): string {
  return process.env.TARMAC_TEST_IMAGE_BAD || `${testEnv().registry}/tarmac-test/web:bad`;
}
