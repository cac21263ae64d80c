import { createLogger } from './logger.js';

function capture(level: Parameters<typeof createLogger>[0]) {
  const out: string[] = [];
  const err: string[] = [];
  const logger = createLogger(
    level,
    { stdout: { write: (line: string) => out.push(line) }, stderr: { write: (line: string) => err.push(line) } },
    () => new Date('2030-01-02T03:04:05.678Z'),
  );
  return { logger, out, err };
}

describe('createLogger', () => {
  it('writes one line per event with time, level, message and fields', () => {
    const { logger, out } = capture('info');
    logger.info('registered', { heartbeatIntervalMs: 5000, reason: 'two words', skipped: undefined });
    expect(out).toEqual(['2030-01-02T03:04:05.678Z info registered heartbeatIntervalMs=5000 reason="two words"\n']);
  });

  it('sends warnings and errors to stderr', () => {
    const { logger, out, err } = capture('debug');
    logger.warn('w');
    logger.error('e');
    logger.debug('d');
    expect(err.map((l) => l.split(' ')[1])).toEqual(['warn', 'error']);
    expect(out.map((l) => l.split(' ')[1])).toEqual(['debug']);
  });

  it('drops levels below the threshold', () => {
    const { logger, out, err } = capture('warn');
    logger.info('hidden');
    logger.debug('hidden');
    logger.warn('shown');
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
  });
});
