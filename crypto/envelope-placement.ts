import type { EnvelopeHeader, EnvelopeKind } from './envelope-header';

/**
 * Where the server lists an envelope: the id it serves it under, the thread it shows it in,
 * that thread's child, and (when the listing says) whether it is a message or a written record.
 * The server chooses all of these; only the signed header is the sender's word.
 */
export interface EnvelopeListing {
  id: string;
  threadId: string;
  childId: string;
  kind?: EnvelopeKind;
}

/** Why an envelope that verified is still not shown where it is listed. */
export type PlacementProblem = 'id_differs' | 'thread_differs' | 'child_differs' | 'kind_differs' | 'id_seen_twice';

export const PLACEMENT_PROBLEMS: readonly PlacementProblem[] = ['id_differs', 'thread_differs', 'child_differs', 'kind_differs', 'id_seen_twice'];

export type Placement = { ok: true } | { ok: false; altered: PlacementProblem };

/**
 * Compares an envelope's signed header (already verified against its sender's key) with where the
 * server lists it (docs/envelope.md, "Where an envelope is shown"). The server could otherwise move
 * a signed message about one child into another child's conversation, or serve one envelope under
 * two ids, and it would open cleanly. `seen` holds, by envelope id, the listing each envelope
 * this client has already shown was shown under; the caller adds `header.id → listedAs` when the
 * answer is ok. The same envelope listed again in the same place (a reload, a sync) is fine.
 * Pure: the caller decides what to tell the reader and the server.
 */
export function checkEnvelopePlacement(input: {
  header: Pick<EnvelopeHeader, 'id' | 'kind' | 'threadId' | 'childId'>;
  listedAs: EnvelopeListing;
  seen: ReadonlyMap<string, EnvelopeListing>;
}): Placement {
  const { header, listedAs, seen } = input;
  const earlier = seen.get(header.id);
  if (earlier && !samePlace(earlier, listedAs)) return { ok: false, altered: 'id_seen_twice' };
  if (header.id !== listedAs.id) return { ok: false, altered: 'id_differs' };
  if (header.threadId !== listedAs.threadId) return { ok: false, altered: 'thread_differs' };
  if (header.childId !== listedAs.childId) return { ok: false, altered: 'child_differs' };
  if (listedAs.kind !== undefined && header.kind !== listedAs.kind) return { ok: false, altered: 'kind_differs' };
  return { ok: true };
}

function samePlace(a: EnvelopeListing, b: EnvelopeListing): boolean {
  return a.id === b.id && a.threadId === b.threadId && a.childId === b.childId && (a.kind === undefined || b.kind === undefined || a.kind === b.kind);
}
