import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../server/audit';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { entryArgs } from '../support/compiled-entries';

const run = promisify(execFile);
let haven: TestHaven;
const people = new People(() => haven);
beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true });
});
afterAll(() => haven.close());

type Entry = {
  seq: number;
  action: string;
  actor: { name: string } | null;
  agencyId: string | null;
  subjectId: string | null;
  detail: Record<string, unknown>;
};
type ErrorBody = { error: { code: string } };

describe('audit log through the API', () => {
  it('records sign-ins and admin actions; system admins list and filter it', async () => {
    const priya = await people.as('Priya');
    const users = await priya.get<{ users: { id: string; name: string }[] }>('/api/users');
    const taylor = users.body.users.find((u) => u.name === 'Taylor Brooks');
    await priya.post(`/api/users/${taylor?.id}/suspend`, { reason: 'Audit test' });
    const sam = await people.as('Sam');
    const all = await sam.get<{ entries: Entry[] }>('/api/audit?limit=500');
    expect(all.status).toBe(200);
    const actions = all.body.entries.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['system.demo_seeded', 'auth.sign_in.succeeded', 'auth.mfa.succeeded', 'users.listed', 'account.suspended']),
    );
    // Newest first.
    const seqs = all.body.entries.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));

    const suspended = await sam.get<{ entries: Entry[] }>('/api/audit?action=account.suspended');
    expect(suspended.body.entries).toHaveLength(1);
    expect(suspended.body.entries[0]).toMatchObject({ actor: { name: 'Priya Natarajan' }, subjectId: taylor?.id, detail: { reason: 'Audit test' } });
    const bySubject = await sam.get<{ entries: Entry[] }>(`/api/audit?subjectId=${taylor?.id}`);
    expect(bySubject.body.entries.every((e) => e.subjectId === taylor?.id)).toBe(true);
    const future = await sam.get<{ entries: Entry[] }>('/api/audit?from=2999-01-01');
    expect(future.body.entries).toEqual([]);
  });

  it('reading the audit log is itself audited', async () => {
    const sam = await people.as('Sam');
    await sam.get('/api/audit?action=account.verified');
    const listed = await sam.get<{ entries: Entry[] }>('/api/audit?action=audit.listed&limit=1');
    expect(listed.body.entries[0]?.detail).toMatchObject({ filter: { action: 'account.verified' } });
  });

  it('agency admins see only their own agency; practitioners see nothing', async () => {
    const priya = await people.as('Priya');
    const own = await priya.get<{ entries: Entry[] }>('/api/audit?limit=500');
    expect(own.status).toBe(200);
    const agencyIds = new Set(own.body.entries.map((e) => e.agencyId));
    expect(agencyIds.size).toBe(1);
    expect(own.body.entries.some((e) => e.actor?.name === 'Morgan Reid')).toBe(false);
    expect((await priya.get<ErrorBody>('/api/audit/verify')).body.error.code).toBe('not_system_admin');
    const jordan = await people.as('Jordan');
    expect((await jordan.get<ErrorBody>('/api/audit')).status).toBe(403);
  });

  it('refuses bad filters with the field named', async () => {
    const sam = await people.as('Sam');
    const res = await sam.get<{ error: { issues: { path: string }[] } }>('/api/audit?action=made.up&limit=9999&from=yesterday');
    expect(res.status).toBe(400);
    expect(res.body.error.issues.map((i) => i.path).sort()).toEqual(['action', 'from', 'limit']);
  });

  it('verifies the intact chain', async () => {
    const sam = await people.as('Sam');
    const report = await sam.get<{ ok: boolean; checked: number }>('/api/audit/verify');
    expect(report.body.ok).toBe(true);
    expect(report.body.checked).toBeGreaterThan(5);
  });
});

describe('concurrent appends', () => {
  it('never fork the chain or reuse a sequence number, whether or not the caller holds a transaction', async () => {
    const { appendAuditEntries } = await import('../../server/audit');
    const db = haven.database.handle.db;
    const writes = Array.from({ length: 40 }, (_, i) =>
      i % 2
        ? appendAuditEntries(db, [{ actorId: null, agencyId: null, action: 'system.demo_seeded', detail: { concurrent: i } }], new Date())
        : db.transaction((tx) =>
            appendAuditEntries(tx, [{ actorId: null, agencyId: null, action: 'system.demo_seeded', detail: { concurrent: i } }], new Date()),
          ),
    );
    await Promise.all(writes);
    const report = await verifyAuditChain(db);
    expect(report.ok).toBe(true);
  });
});

describe('tamper detection (an attacker with database access)', () => {
  /** Runs SQL as someone who has switched off the append-only triggers, then switches them back. */
  async function tamper(sql: string, params: unknown[] = []): Promise<void> {
    const client = await rawClient(haven.database.url);
    try {
      await client.query('alter table audit_entries disable trigger user');
      await client.query(sql, params);
      await client.query('alter table audit_entries enable trigger user');
    } finally {
      await client.end();
    }
  }

  it('the database itself refuses updates and deletes of audit entries', async () => {
    const client = await rawClient(haven.database.url);
    try {
      await expect(client.query(`update audit_entries set action = 'x' where seq = 1`)).rejects.toThrow(/append-only/);
      await expect(client.query('delete from audit_entries where seq = 1')).rejects.toThrow(/append-only/);
      await expect(client.query('truncate audit_entries')).rejects.toThrow(/append-only/);
    } finally {
      await client.end();
    }
  });

  // Modification and insertion each get a fresh Haven, so every test sees exactly one break.
  it('reports the first modified entry', async () => {
    const fresh = await startTestHaven({ seedDemo: true });
    try {
      await new People(() => fresh).as('Sam');
      expect((await verifyAuditChain(fresh.database.handle.db)).ok).toBe(true);
      const client = await rawClient(fresh.database.url);
      await client.query('alter table audit_entries disable trigger user');
      await client.query(`update audit_entries set detail = '{"address":"10.9.9.9"}' where seq = 2`);
      await client.end();
      const report = await verifyAuditChain(fresh.database.handle.db);
      expect(report).toMatchObject({ ok: false, checked: 1, problem: { seq: 2, kind: 'modified' } });
    } finally {
      await fresh.close();
    }
  });

  it('reports a deleted entry', async () => {
    await people.as('Jordan');
    await tamper('delete from audit_entries where seq = 3');
    const report = await verifyAuditChain(haven.database.handle.db);
    expect(report).toMatchObject({ ok: false, checked: 2, problem: { seq: 3, kind: 'deleted' } });
  });

  it('reports an inserted entry, even when the attacker renumbers and rehashes it', async () => {
    const fresh = await startTestHaven({ seedDemo: true });
    try {
      await new People(() => fresh).as('Sam');
      const client = await rawClient(fresh.database.url);
      const { rows } = await client.query<{ hash: string }>('select hash from audit_entries where seq = 1');
      // Make room at seq 2 and insert a well-formed forged entry chained to entry 1.
      const { auditEntryHash } = await import('../../crypto');
      const forged = {
        seq: 2,
        at: new Date().toISOString(),
        actorId: null,
        agencyId: null,
        action: 'account.verified',
        subjectType: null,
        subjectId: null,
        detail: {},
      };
      const prev = rows[0]?.hash ?? '';
      await client.query('alter table audit_entries disable trigger user');
      await client.query('update audit_entries set seq = seq + 1000 where seq >= 2');
      await client.query('update audit_entries set seq = seq - 999 where seq >= 1000');
      await client.query(
        'insert into audit_entries (seq, at, actor_id, agency_id, action, subject_type, subject_id, detail, prev_hash, hash) values (2, $1, null, null, $2, null, null, $3, $4, $5)',
        [forged.at, forged.action, '{}', prev, auditEntryHash(prev, forged)],
      );
      await client.end();
      const report = await verifyAuditChain(fresh.database.handle.db);
      expect(report).toMatchObject({ ok: false, problem: { seq: 2, kind: 'inserted' } });
    } finally {
      await fresh.close();
    }
  });

  it('`npm run audit:verify` reports the break and exits non-zero', async () => {
    const result = await run(process.execPath, entryArgs('auditVerify'), { env: { ...process.env, ...haven.env } }).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/BROKEN at entry 3 \(deleted\)/);
  });
});
