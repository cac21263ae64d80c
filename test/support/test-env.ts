// The end-to-end tests' view of the services scripts/test-services.sh started.
// Read once, on first use (not at import), so specs that need no services can
// import helpers freely.

export interface TestEnv {
  /** Admin URL of the throwaway PostgreSQL cluster (database `postgres`). */
  databaseUrl: string;
  /** Podman's Docker Engine API socket. */
  engineSocket: string;
  /** host:port of the local registry, e.g. `127.0.0.1:5000`. */
  registry: string;
  /** An image whose HTTP server answers "v1" on $PORT (default 18080). */
  imageV1: string;
  /** The same, answering "v2". */
  imageV2: string;
  /**
   * Answers "flaky" on `/`; its `/cgi-bin/app` answers 500 to about half of the requests.
   * Every test image's `/cgi-bin/app` writes one Common Log Format line per request to
   * the container's log (stderr).
   */
  imageFlaky: string;
}

const NAMES = {
  databaseUrl: 'TARMAC_TEST_DATABASE_URL',
  engineSocket: 'TARMAC_TEST_ENGINE_SOCKET',
  registry: 'TARMAC_TEST_REGISTRY',
  imageV1: 'TARMAC_TEST_IMAGE_V1',
  imageV2: 'TARMAC_TEST_IMAGE_V2',
  imageFlaky: 'TARMAC_TEST_IMAGE_FLAKY',
} as const satisfies Record<keyof TestEnv, string>;

let cached: TestEnv | undefined;

export function testEnv(): TestEnv {
  if (cached) return cached;
  const read = (name: string): string => {
    const value = process.env[name];
    if (!value) {
      throw new Error(
        `${name} is not set: run the tests with npm test (it starts PostgreSQL, Podman and the registry), ` +
          `or run eval "$(scripts/test-services.sh start)" before npm run test:jest`,
      );
    }
    return value;
  };
  cached = {
    databaseUrl: read(NAMES.databaseUrl),
    engineSocket: read(NAMES.engineSocket),
    registry: read(NAMES.registry),
    imageV1: read(NAMES.imageV1),
    imageV2: read(NAMES.imageV2),
    imageFlaky: read(NAMES.imageFlaky),
  };
  return cached;
}
