// The YAML plan parser's worker thread, for real: same answers as parseYamlPlan on the
// main thread, a plan that parses too long refused and its worker replaced, a full queue
// refused, and shutdown refusing what is still waiting.
import * as yaml from 'yaml';
import { DomainError, parseYamlPlan, PLAN_DOCUMENT_LIMITS } from '../../../../libs/domain/src/index.js';
import { YamlPlanParser } from './yaml-plan-parser.js';

const slowDocument = `extra: [${Array.from({ length: 300_000 }, () => '0').join(', ')}]\n`;

describe('YamlPlanParser', () => {
  const parsers: YamlPlanParser[] = [];
  const parser = (options: ConstructorParameters<typeof YamlPlanParser>[0] = {}) => {
    const created = new YamlPlanParser(options);
    parsers.push(created);
    return created;
  };
  afterEach(async () => {
    await Promise.all(parsers.splice(0).map((p) => p.onModuleDestroy()));
  });

  it.each([
    ['a plan', 'title: x\nreleases: [{ service: web, image: "1" }]\n'],
    ['a duplicate key', 'title: x\ntitle: y\n'],
    ['a syntax error', 'a: [1, 2\n'],
    ['too many entries', `a: [${Array.from({ length: PLAN_DOCUMENT_LIMITS.maxEntries + 1 }, () => '0').join(', ')}]`],
  ])('answers %s as parseYamlPlan does on the main thread', async (_what, text) => {
    expect(await parser().parse(text)).toEqual(parseYamlPlan(yaml, text, PLAN_DOCUMENT_LIMITS));
  });

  it('parses plans one after another on one worker, each getting its own answer', async () => {
    const p = parser();
    const answers = await Promise.all(['a: 1', 'b: 2', 'c: 3'].map((text) => p.parse(text)));
    expect(answers).toEqual([{ ok: true, value: { a: 1 } }, { ok: true, value: { b: 2 } }, { ok: true, value: { c: 3 } }]);
  });

  it('refuses a plan still parsing after the timeout, and parses the next one on a new worker', async () => {
    const p = parser({ timeoutMs: 200 });
    const slow = p.parse(slowDocument);
    const next = p.parse('a: 1');
    await expect(slow).rejects.toMatchObject({ kind: 'invalid', code: 'PLAN_TOO_COMPLEX', message: expect.stringMatching(/longer than 200 ms/) });
    expect(await next).toEqual({ ok: true, value: { a: 1 } });
  });

  it('refuses a plan when the queue is full, with 503 PLAN_PARSER_BUSY', async () => {
    const p = parser({ maxQueued: 1 });
    const first = p.parse(slowDocument);
    const refused = p.parse('a: 1');
    await expect(refused).rejects.toBeInstanceOf(DomainError);
    await expect(refused).rejects.toMatchObject({ kind: 'unavailable', code: 'PLAN_PARSER_BUSY' });
    expect(await first).toMatchObject({ ok: false });
  });

  it('refuses what is still waiting when the application shuts down', async () => {
    const p = parser();
    const refused = expect(p.parse(slowDocument)).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    await p.onModuleDestroy();
    await refused;
  });
});
