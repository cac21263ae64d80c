// The audit log on real PostgreSQL with the real migrations, as the application's role:
// entries go in and come back filtered. Behind the privileges (test/audit-log-roles.e2e-spec.ts),
// the trigger refuses to change or remove them even for the schema's owner.
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database.js';
import { openDatabase, type Database } from '../database/database.js';
import { AuditLogRepository, SYSTEM_ACTOR, type AuditEntry } from './audit-log.repository.js';

const PLAN = '0b7d4a9e-5f2c-4c1e-9a3b-6d8e7f1a2b3c';
const OTHER_PLAN = '1c8e5b0f-6a3d-4d2f-8b4c-7e9f8a2b3c4d';
const olga = { id: null, name: 'olga' };

describe('AuditLogRepository', () => {
  let testDb: TestDatabase;
  let database: Database;
  let ownerDatabase: Database;
  /** As the owner, whom only the trigger stops. */
  let db: DataSource;
  let audit: AuditLogRepository;

  const entry = (at: string, extra: Partial<AuditEntry> = {}): AuditEntry => ({
    actor: olga,
    action: 'plan.updated',
    entityType: 'plan',
    entityId: PLAN,
    planId: PLAN,
    before: { title: 'a' },
    after: { title: 'b' },
    at: new Date(at),
    ...extra,
  });

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openDatabase({ databaseUrl: testDb.appUrl, databaseOwnerUrl: testDb.ownerUrl, dataDir: '/nonexistent' }, () => undefined);
    ownerDatabase = await openDatabase({ databaseUrl: testDb.ownerUrl, dataDir: '/nonexistent' }, () => undefined);
    db = ownerDatabase.dataSource;
    audit = new AuditLogRepository(database.dataSource);
    await database.dataSource.transaction(async (tx) => {
      await audit.record(tx, entry('2026-03-01T10:00:00Z'));
      await audit.record(tx, entry('2026-03-01T11:00:00Z', { actor: SYSTEM_ACTOR, action: 'plan.started', reason: 'window opened' }));
      await audit.record(tx, entry('2026-03-01T12:00:00Z', { entityId: OTHER_PLAN, planId: OTHER_PLAN }));
      await audit.record(tx, entry('2026-03-01T13:00:00Z', { action: 'service.created', entityType: 'service', entityId: 'web', planId: null, before: undefined }));
    });
  });
  afterAll(async () => {
    await database?.close();
    await ownerDatabase?.close();
    await testDb?.drop();
  });

  it('returns entries oldest first, filtered by plan, actor and time, up to the limit', async () => {
    const all = await audit.list({ limit: 100 });
    expect(all.map((e) => e.at)).toEqual(['2026-03-01T10:00:00.000Z', '2026-03-01T11:00:00.000Z', '2026-03-01T12:00:00.000Z', '2026-03-01T13:00:00.000Z']);
    expect(all[1]).toMatchObject({ actor: 'tarmac', action: 'plan.started', reason: 'window opened', planId: PLAN, before: { title: 'a' } });
    expect(all[3]).toMatchObject({ planId: null, before: null, entityType: 'service', entityId: 'web' });

    expect((await audit.list({ planId: PLAN, limit: 100 })).map((e) => e.action)).toEqual(['plan.updated', 'plan.started']);
    expect((await audit.list({ actor: 'tarmac', limit: 100 })).map((e) => e.action)).toEqual(['plan.started']);
    expect((await audit.list({ since: new Date('2026-03-01T11:00:00Z'), limit: 2 })).map((e) => e.at)).toEqual([
      '2026-03-01T11:00:00.000Z',
      '2026-03-01T12:00:00.000Z',
    ]);
  });

  it.each([
    ['UPDATE', `UPDATE audit_log SET actor_name = 'mallory'`],
    ['UPDATE', `UPDATE audit_log SET reason = 'rewritten' WHERE id = 1`],
    ['DELETE', 'DELETE FROM audit_log WHERE id = 1'],
    ['DELETE', 'DELETE FROM audit_log'],
    ['TRUNCATE', 'TRUNCATE audit_log'],
  ])('refuses %s (%s) even to the owner, and leaves every entry as it was', async (operation, sql) => {
    const before = await db.query('SELECT * FROM audit_log ORDER BY id');
    await expect(db.query(sql)).rejects.toMatchObject({
      message: `audit_log is append-only: ${operation} refused`,
      driverError: expect.objectContaining({ code: '42501' }),
    });
    expect(await db.query('SELECT * FROM audit_log ORDER BY id')).toEqual(before);
  });

  it('refuses a change even inside a transaction that also appends', async () => {
    const count = async () => Number((await db.query('SELECT count(*) AS n FROM audit_log'))[0].n);
    const before = await count();
    await expect(
      database.dataSource.transaction(async (tx) => {
        await audit.record(tx, entry('2026-03-02T00:00:00Z'));
        await tx.query('DELETE FROM audit_log WHERE id = 1');
      }),
    ).rejects.toThrow(/permission denied for table audit_log/);
    expect(await count()).toBe(before);
  });
});
