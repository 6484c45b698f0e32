import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { AuditAnchor } from '../../crypto';
import type { Config } from '../config';

/**
 * The anchor file: one JSON line per signed anchor, appended as the database gets it. It is the
 * copy of the anchors outside the database; shipped off the machine it is the evidence someone
 * holding the database (or the server) cannot rewrite (docs/audit-chain.md).
 */
export function anchorFilePath(config: Pick<Config, 'HAVEN_AUDIT_ANCHOR_FILE' | 'HAVEN_DATA_DIR'>): string {
  return config.HAVEN_AUDIT_ANCHOR_FILE ?? path.join(config.HAVEN_DATA_DIR, 'audit-anchors.jsonl');
}

export interface SignedAnchorLine extends AuditAnchor {
  keyId: string;
  signature: string;
}

/** Appends one anchor and flushes it to disk before returning: an anchor is evidence only once it is stored. */
export function appendAnchorLine(file: string, anchor: SignedAnchorLine): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const line: SignedAnchorLine = {
    v: 1,
    seq: anchor.seq,
    hash: anchor.hash,
    at: anchor.at,
    legacyThrough: anchor.legacyThrough,
    keyId: anchor.keyId,
    signature: anchor.signature,
  };
  const fd = openSync(file, 'a', 0o644);
  try {
    writeSync(fd, `${JSON.stringify(line)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const seq = z.number().int().positive();
const hash = z.string().regex(/^[0-9a-f]{64}$/);
const signedLine = z.object({
  v: z.literal(1),
  seq,
  hash,
  at: z.string(),
  legacyThrough: z.number().int().nonnegative(),
  keyId: z.string(),
  signature: z.string(),
});
/** What HAVEN_AUDIT_ANCHOR_FILE held before anchors were signed. */
const unsignedLine = z.object({ seq, hash, at: z.string().optional() });

export type AnchorFileLine =
  | { line: number; kind: 'signed'; anchor: SignedAnchorLine }
  | { line: number; kind: 'unsigned'; seq: number; hash: string; at: string | null }
  | { line: number; kind: 'unreadable' };

/** The file's anchors in file order, or `exists: false` when there is no file (yet). */
export function readAnchorFile(file: string): { exists: boolean; lines: AnchorFileLine[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false, lines: [] };
    throw error;
  }
  const lines: AnchorFileLine[] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = null;
    }
    const signed = signedLine.safeParse(parsed);
    if (signed.success) return void lines.push({ line: i + 1, kind: 'signed', anchor: signed.data });
    const unsigned = unsignedLine.safeParse(parsed);
    if (unsigned.success)
      return void lines.push({ line: i + 1, kind: 'unsigned', seq: unsigned.data.seq, hash: unsigned.data.hash, at: unsigned.data.at ?? null });
    lines.push({ line: i + 1, kind: 'unreadable' });
  });
  return { exists: true, lines };
}
