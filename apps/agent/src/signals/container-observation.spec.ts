import { ContainerReplace, DEFAULT_SIGNAL_SOURCES } from '../../../../libs/protocol/src/index.js';
import { containerCreation } from '../commands/container-replace.js';
import { HEALTH_LABEL, SIGNALS_LABEL, SPEC_HASH_LABEL } from '../container-engine.js';
import { observationFromLabels } from './container-observation.js';

const command = ContainerReplace.parse({
  type: 'container:replace',
  service: 'web',
  release: 'r1',
  image: '127.0.0.1:5000/web:1',
  container: {
    ports: [{ container: 8080 }],
    healthCheck: { type: 'http', path: '/healthz', port: 8080, timeoutMs: 500, intervalMs: 1000 },
    signals: { accessLog: 'json', jsonStatusField: 'code', errorPatterns: ['Traceback'] },
  },
});

describe('how a container says it is observed', () => {
  it('is written on the container by container:replace and read back from its labels', () => {
    const { labels } = containerCreation(command, { hostname: 'h1', containerNetwork: 'host', configRoot: '/var/lib/tarmac/services' });
    expect(observationFromLabels(labels)).toEqual({
      health: command.container.healthCheck,
      sources: { accessLog: 'json', jsonStatusField: 'code', jsonLatencyField: 'latencyMs', errorPatterns: ['Traceback'] },
      problems: [],
    });
  });

  it('is part of the spec hash, so a container observed another way is never reused for the release', () => {
    const context = { hostname: 'h1', containerNetwork: 'host', configRoot: '/var/lib/tarmac/services' };
    const hash = (container: object) => containerCreation(ContainerReplace.parse({ ...command, container: { ...command.container, ...container } }), context).labels[SPEC_HASH_LABEL];
    expect(hash({})).toBe(containerCreation(command, context).labels[SPEC_HASH_LABEL]);
    expect(hash({ healthCheck: { ...command.container.healthCheck, path: '/ready' } })).not.toBe(hash({}));
    expect(hash({ signals: { accessLog: 'common' } })).not.toBe(hash({}));
  });

  it('falls back to no health check and the default sources without labels (older agents, by hand)', () => {
    expect(observationFromLabels({ 'tarmac.managed': 'true' })).toEqual({ health: null, sources: DEFAULT_SIGNAL_SOURCES, problems: [] });
    expect(DEFAULT_SIGNAL_SOURCES.accessLog).toBe('common');
  });

  it('names labels that do not parse and uses the defaults for them', () => {
    expect(observationFromLabels({ [HEALTH_LABEL]: '{broken', [SIGNALS_LABEL]: '{"accessLog":"xml"}' })).toEqual({
      health: null,
      sources: DEFAULT_SIGNAL_SOURCES,
      problems: [HEALTH_LABEL, SIGNALS_LABEL],
    });
  });
});
