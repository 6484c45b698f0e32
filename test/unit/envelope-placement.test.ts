import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkEnvelopePlacement, PLACEMENT_PROBLEMS, type EnvelopeListing, type PlacementProblem } from '../../crypto';

const ids = {
  message: '6f1c2a9e-0000-4000-8000-000000000001',
  other: '6f1c2a9e-0000-4000-8000-000000000002',
  thread: '6f1c2a9e-0000-4000-8000-0000000000a1',
  otherThread: '6f1c2a9e-0000-4000-8000-0000000000a2',
  child: '6f1c2a9e-0000-4000-8000-0000000000c1',
  otherChild: '6f1c2a9e-0000-4000-8000-0000000000c2',
};
const header = { id: ids.message, kind: 'message' as const, threadId: ids.thread, childId: ids.child };
const where: EnvelopeListing = { id: ids.message, threadId: ids.thread, childId: ids.child };
const none = new Map<string, EnvelopeListing>();
const check = (
  listedAs: EnvelopeListing,
  seen: ReadonlyMap<string, EnvelopeListing> = none,
  h: typeof header | { [K in keyof typeof header]: (typeof header)[K] | null } = header,
) => checkEnvelopePlacement({ header: h as typeof header, listedAs, seen });

describe('checkEnvelopePlacement', () => {
  it('accepts an envelope listed exactly where its signed header says, with or without a kind', () => {
    expect(check(where)).toEqual({ ok: true });
    expect(check({ ...where, kind: 'message' })).toEqual({ ok: true });
  });

  it.each<[string, EnvelopeListing, PlacementProblem]>([
    ['served under another id', { ...where, id: ids.other }, 'id_differs'],
    ['moved into another thread', { ...where, threadId: ids.otherThread }, 'thread_differs'],
    ['moved to another child', { ...where, childId: ids.otherChild }, 'child_differs'],
    ['listed as a written record', { ...where, kind: 'written_record' }, 'kind_differs'],
  ])('refuses an envelope %s', (_what, listedAs, problem) => {
    expect(check(listedAs)).toEqual({ ok: false, altered: problem });
  });

  it('refuses a header with no thread listed in a thread', () => {
    expect(check(where, none, { ...header, threadId: null })).toEqual({ ok: false, altered: 'thread_differs' });
  });

  it('accepts the same envelope listed again in the same place (a reload, a sync)', () => {
    const seen = new Map([[ids.message, where]]);
    expect(check(where, seen)).toEqual({ ok: true });
    expect(check({ ...where, kind: 'message' }, seen)).toEqual({ ok: true });
  });

  it('refuses an envelope already shown under another listing: one envelope served under two ids, or one id in two places', () => {
    expect(check(where, new Map([[ids.message, { ...where, id: ids.other }]]))).toEqual({ ok: false, altered: 'id_seen_twice' });
    expect(check(where, new Map([[ids.message, { ...where, threadId: ids.otherThread }]]))).toEqual({ ok: false, altered: 'id_seen_twice' });
    expect(check(where, new Map([[ids.message, { ...where, childId: ids.otherChild }]]))).toEqual({ ok: false, altered: 'id_seen_twice' });
    expect(check({ ...where, kind: 'message' }, new Map([[ids.message, { ...where, kind: 'written_record' }]]))).toEqual({
      ok: false,
      altered: 'id_seen_twice',
    });
  });

  it('a copy served under a second id is refused whichever of the two is opened first', () => {
    const copy = { ...where, id: ids.other };
    const seen = new Map<string, EnvelopeListing>();
    expect(check(where, seen)).toEqual({ ok: true });
    seen.set(header.id, where);
    expect(check(copy, seen)).toEqual({ ok: false, altered: 'id_seen_twice' });
    expect(check(copy)).toEqual({ ok: false, altered: 'id_differs' });
  });

  it('is ok exactly when every listed field equals the header and nothing else was seen (property)', () => {
    const pick = <T>(a: T, b: T) => fc.constantFrom(a, b);
    fc.assert(
      fc.property(
        pick(ids.message, ids.other),
        pick(ids.thread, ids.otherThread),
        pick(ids.child, ids.otherChild),
        fc.constantFrom(undefined, 'message' as const, 'written_record' as const),
        (id, threadId, childId, kind) => {
          const listedAs: EnvelopeListing = kind ? { id, threadId, childId, kind } : { id, threadId, childId };
          const result = check(listedAs);
          const matches = id === header.id && threadId === header.threadId && childId === header.childId && (kind === undefined || kind === header.kind);
          expect(result.ok).toBe(matches);
          if (!result.ok) expect(PLACEMENT_PROBLEMS).toContain(result.altered);
        },
      ),
    );
  });
});
