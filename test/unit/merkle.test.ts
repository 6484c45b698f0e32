import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  consistencyProof,
  emptyTreeHash,
  fromHex,
  inclusionProof,
  leafHash,
  MalformedInputError,
  MerkleRangeError,
  nodeHash,
  ready,
  toHex,
  treeHead,
  verifyConsistency,
  verifyInclusion,
} from '../../crypto';

interface Vectors {
  merkle: {
    leaves: { data: string; leafHash: string }[];
    roots: { treeSize: number; root: string }[];
    inclusion: { treeSize: number; index: number; proof: string[] }[];
    consistency: { oldSize: number; newSize: number; proof: string[] }[];
  };
}
const vectors = JSON.parse(readFileSync(new URL('../vectors/key-log-v1.json', import.meta.url), 'utf8')) as Vectors;

beforeAll(ready);

// A second implementation, written straight from RFC 9162 §2.1's recursive definitions and
// calling libsodium directly, to check crypto/merkle.ts (which builds trees bottom-up).
const H = (...parts: Uint8Array[]): Uint8Array => sodium.crypto_generichash(32, Buffer.concat(parts), null);
const ref = {
  leaf: (data: Uint8Array) => H(Uint8Array.of(0x00), data),
  node: (left: Uint8Array, right: Uint8Array) => H(Uint8Array.of(0x01), left, right),
  k: (n: number) => 2 ** Math.ceil(Math.log2(n) - 1),
  mth(d: Uint8Array[]): Uint8Array {
    if (d.length === 0) return H();
    if (d.length === 1) return d[0] as Uint8Array;
    const k = ref.k(d.length);
    return ref.node(ref.mth(d.slice(0, k)), ref.mth(d.slice(k)));
  },
  path(m: number, d: Uint8Array[]): Uint8Array[] {
    if (d.length === 1) return [];
    const k = ref.k(d.length);
    return m < k ? [...ref.path(m, d.slice(0, k)), ref.mth(d.slice(k))] : [...ref.path(m - k, d.slice(k)), ref.mth(d.slice(0, k))];
  },
  subproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
    if (m === d.length) return b ? [] : [ref.mth(d)];
    const k = ref.k(d.length);
    return m <= k ? [...ref.subproof(m, d.slice(0, k), b), ref.mth(d.slice(k))] : [...ref.subproof(m - k, d.slice(k), false), ref.mth(d.slice(0, k))];
  },
  // Which side each sibling on PATH(m, D[n]) sits: the shape the verifier walks.
  shape(m: number, n: number): string {
    if (n === 1) return '';
    const k = ref.k(n);
    return m < k ? `${ref.shape(m, k)}R` : `${ref.shape(m - k, n - k)}L`;
  },
  // The same for PROOF(m, D[n]); X marks a node that is an old subtree's own root.
  consistencyShape(m: number, n: number, b = true): string {
    if (m === n) return b ? '' : 'X';
    const k = ref.k(n);
    return m <= k ? `${ref.consistencyShape(m, k, b)}R` : `${ref.consistencyShape(m - k, n - k, false)}L`;
  },
};

const hex = (nodes: Uint8Array[]) => nodes.map(toHex);
const leaves = (n: number) => Array.from({ length: n }, (_, i) => ref.leaf(new TextEncoder().encode(`leaf ${i}`)));
const flipBit = (bytes: Uint8Array, bit: number) => {
  const out = Uint8Array.from(bytes);
  out[(bit >> 3) % out.length]! ^= 1 << (bit & 7);
  return out;
};
const replaceAt = <T>(items: T[], index: number, value: T) => items.map((item, i) => (i === index ? value : item));

describe('Merkle tree hash (RFC 9162 §2.1 with BLAKE2b-256)', () => {
  it('matches the Python-computed vectors for the leaves and for tree sizes 0..8', () => {
    const hashes = vectors.merkle.leaves.map(({ data, leafHash: expected }) => {
      expect(toHex(leafHash(fromHex(data)))).toBe(expected);
      return fromHex(expected);
    });
    expect(vectors.merkle.roots.map((r) => r.treeSize)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    for (const { treeSize, root } of vectors.merkle.roots) {
      expect(toHex(treeHead(hashes.slice(0, treeSize)))).toBe(root);
      expect(toHex(ref.mth(hashes.slice(0, treeSize)))).toBe(root);
    }
  });

  it('matches the Python-computed inclusion and consistency proofs', () => {
    const hashes = vectors.merkle.leaves.map((l) => fromHex(l.leafHash));
    for (const { treeSize, index, proof } of vectors.merkle.inclusion) {
      const tree = hashes.slice(0, treeSize);
      expect(hex(inclusionProof(tree, index))).toEqual(proof);
      expect(verifyInclusion(tree[index]!, index, treeSize, proof.map(fromHex), treeHead(tree))).toBe(true);
    }
    for (const { oldSize, newSize, proof } of vectors.merkle.consistency) {
      const tree = hashes.slice(0, newSize);
      expect(hex(consistencyProof(tree, oldSize))).toEqual(proof);
      expect(verifyConsistency(oldSize, newSize, treeHead(tree.slice(0, oldSize)), treeHead(tree), proof.map(fromHex))).toBe(true);
    }
  });

  it('agrees with the recursive reference for sizes 0..64, leaf and node hashes included', () => {
    const all = leaves(64);
    for (let n = 0; n <= 64; n++) expect(toHex(treeHead(all.slice(0, n)))).toBe(toHex(ref.mth(all.slice(0, n))));
    const data = new TextEncoder().encode('x');
    expect(toHex(leafHash(data))).toBe(toHex(ref.leaf(data)));
    expect(toHex(nodeHash(all[0]!, all[1]!))).toBe(toHex(ref.node(all[0]!, all[1]!)));
    expect(toHex(emptyTreeHash())).toBe(toHex(sodium.crypto_generichash(32, new Uint8Array(0), null)));
  });

  it('keeps leaves and interior nodes apart (0x00 / 0x01 prefixes)', () => {
    const [a, b] = leaves(2) as [Uint8Array, Uint8Array];
    const joined = new Uint8Array([...a, ...b]);
    expect(toHex(leafHash(joined))).not.toBe(toHex(treeHead([a, b])));
  });

  it('refuses leaf hashes of the wrong length', () => {
    expect(() => treeHead([new Uint8Array(31)])).toThrow(MalformedInputError);
    expect(() => inclusionProof([new Uint8Array(33)], 0)).toThrow(MalformedInputError);
    expect(() => consistencyProof([new Uint8Array(0)], 1)).toThrow(MalformedInputError);
  });
});

describe('inclusion proofs (RFC 9162 §2.1.3)', () => {
  const all = leaves(64);
  const roots = Array.from({ length: 65 }, (_, n) => treeHead(all.slice(0, n)));

  it('verify for every index of every tree size 1..64, and equal PATH from the RFC', () => {
    let checked = 0;
    for (let n = 1; n <= 64; n++) {
      const tree = all.slice(0, n);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(tree, i);
        expect(hex(proof)).toEqual(hex(ref.path(i, tree)));
        expect(verifyInclusion(tree[i]!, i, n, proof, roots[n]!)).toBe(true);
        checked++;
      }
    }
    expect(checked).toBe((64 * 65) / 2);
  });

  it('fail for a wrong leaf, a wrong index, or any other index of the same tree', () => {
    for (const n of [1, 2, 3, 5, 8, 13, 16, 17]) {
      const tree = all.slice(0, n);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(tree, i);
        expect(verifyInclusion(all[n]!, i, n, proof, roots[n]!)).toBe(false);
        for (let j = 0; j < n; j++) if (j !== i) expect(verifyInclusion(tree[i]!, j, n, proof, roots[n]!)).toBe(false);
      }
    }
  });

  it('hold only for tree sizes whose path has the same shape — which is why the signed head fixes the size', () => {
    // Index 0 of a 3-leaf and of a 4-leaf tree both walk "sibling on the right" twice, so the
    // RFC algorithm cannot tell those sizes apart; every other size must fail.
    expect(verifyInclusion(all[0]!, 0, 3, inclusionProof(all.slice(0, 4), 0), roots[4]!)).toBe(true);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.nat(), fc.integer({ min: 1, max: 64 }), (n, rawIndex, otherSize) => {
        const i = rawIndex % n;
        fc.pre(otherSize !== n);
        const proof = inclusionProof(all.slice(0, n), i);
        const sameShape = i < otherSize && ref.shape(i, otherSize) === ref.shape(i, n);
        expect(verifyInclusion(all[i]!, i, otherSize, proof, roots[n]!)).toBe(sameShape);
      }),
    );
  });

  it('verify for no other (index, size) than those whose path has the same shape, out-of-range ones included', () => {
    // Exhaustive over small trees: this is where a verifier that skips the RFC's sn checks
    // accepts a path read at the wrong depth, or an index at or past the end of the tree.
    for (let n = 1; n <= 16; n++) {
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(all.slice(0, n), i);
        for (let otherSize = 1; otherSize <= 16; otherSize++) {
          for (let j = 0; j <= 16; j++) {
            const expected = j < otherSize && ref.shape(j, otherSize) === ref.shape(i, n);
            if (verifyInclusion(all[i]!, j, otherSize, proof, roots[n]!) !== expected) expect({ n, i, otherSize, j }).toBe(expected);
          }
        }
      }
    }
    // Two concrete cases: a path one node too long (leaf 1 of [0, 1] shown as the only leaf of a
    // one-leaf tree whose "root" is that pair), and an index past the end of a one-leaf tree.
    expect(verifyInclusion(all[1]!, 0, 1, [all[0]!], roots[2]!)).toBe(false);
    expect(verifyInclusion(all[0]!, 1, 1, [], roots[1]!)).toBe(false);
  });

  it('cannot be re-read as a proof of leaf i − k in the right subtree of size n − k', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 64 }), fc.nat(), (n, raw) => {
        const k = ref.k(n);
        const i = k + (raw % (n - k));
        expect(verifyInclusion(all[i]!, i - k, n - k, inclusionProof(all.slice(0, n), i), roots[n]!)).toBe(false);
      }),
    );
  });

  it('fail when any proof node or the root is altered, or a node is dropped or added (fast-check)', () => {
    const tree = fc.integer({ min: 2, max: 64 }).chain((n) => fc.tuple(fc.constant(n), fc.nat({ max: n - 1 })));
    fc.assert(
      fc.property(tree, fc.nat(), fc.nat({ max: 255 }), ([n, i], rawNode, bit) => {
        const proof = inclusionProof(all.slice(0, n), i);
        const node = rawNode % proof.length;
        expect(verifyInclusion(all[i]!, i, n, replaceAt(proof, node, flipBit(proof[node]!, bit)), roots[n]!)).toBe(false);
        expect(verifyInclusion(all[i]!, i, n, proof, flipBit(roots[n]!, bit))).toBe(false);
        expect(verifyInclusion(all[i]!, i, n, proof.slice(0, -1), roots[n]!)).toBe(false);
        expect(verifyInclusion(all[i]!, i, n, [...proof, all[0]!], roots[n]!)).toBe(false);
      }),
    );
  });

  it('return false, never throw, for out-of-range or malformed input; generation throws a typed error', () => {
    const tree = all.slice(0, 5);
    const proof = inclusionProof(tree, 1);
    for (const [index, size] of [
      [5, 5],
      [-1, 5],
      [1, 0],
      [1.5, 5],
      [Number.NaN, 5],
      [1, Number.POSITIVE_INFINITY],
      [1, 2 ** 53],
    ]) {
      expect(verifyInclusion(tree[1]!, index!, size!, proof, roots[5]!)).toBe(false);
    }
    expect(verifyInclusion(tree[1]!, 1, 5, [...proof.slice(0, -1), new Uint8Array(31)], roots[5]!)).toBe(false);
    expect(verifyInclusion(tree[1]!, 1, 5, proof, roots[5]!.slice(1))).toBe(false);
    expect(verifyInclusion(tree[1]!.slice(1), 1, 5, proof, roots[5]!)).toBe(false);
    expect(() => inclusionProof(tree, 5)).toThrow(MerkleRangeError);
    expect(() => inclusionProof(tree, -1)).toThrow(MerkleRangeError);
    expect(() => inclusionProof([], 0)).toThrow(MerkleRangeError);
    expect(() => inclusionProof(tree, 0.5)).toThrow(MerkleRangeError);
  });

  it('work for index and size beyond 32-bit integers (the verifier uses no bit operators)', () => {
    // A path of one node proves leaf 2^32 in a tree of 2^32 + 1 leaves: the sibling is the left 2^32-leaf subtree.
    const left = all[0]!;
    const leaf = all[1]!;
    expect(verifyInclusion(leaf, 2 ** 32, 2 ** 32 + 1, [left], nodeHash(left, leaf))).toBe(true);
    expect(verifyInclusion(leaf, 2 ** 32 - 1, 2 ** 32 + 1, [left], nodeHash(left, leaf))).toBe(false);
  });
});

describe('consistency proofs (RFC 9162 §2.1.4)', () => {
  const all = leaves(40);
  const roots = Array.from({ length: 41 }, (_, n) => treeHead(all.slice(0, n)));

  it('verify for every 1 ≤ m ≤ n ≤ 40, equal PROOF from the RFC, and fail when a root or any node is altered', () => {
    let pairs = 0;
    for (let n = 1; n <= 40; n++) {
      const tree = all.slice(0, n);
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(tree, m);
        expect(hex(proof)).toEqual(hex(ref.subproof(m, tree, true)));
        expect(verifyConsistency(m, n, roots[m]!, roots[n]!, proof)).toBe(true);
        expect(verifyConsistency(m, n, flipBit(roots[m]!, 0), roots[n]!, proof)).toBe(false);
        expect(verifyConsistency(m, n, roots[m]!, flipBit(roots[n]!, 255), proof)).toBe(false);
        proof.forEach((node, k) => expect(verifyConsistency(m, n, roots[m]!, roots[n]!, replaceAt(proof, k, flipBit(node, 7)))).toBe(false));
        pairs++;
      }
    }
    expect(pairs).toBe((40 * 41) / 2);
  });

  it('verify for no other (old size, new size) than those whose proof has the same shape, out-of-range ones included', () => {
    for (let n = 1; n <= 16; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(all.slice(0, n), m);
        for (let otherNew = 0; otherNew <= 16; otherNew++) {
          for (let otherOld = 0; otherOld <= 16; otherOld++) {
            const expected = otherOld >= 1 && otherOld <= otherNew && ref.consistencyShape(otherOld, otherNew) === ref.consistencyShape(m, n);
            if (verifyConsistency(otherOld, otherNew, roots[m]!, roots[n]!, proof) !== expected) expect({ m, n, otherOld, otherNew }).toBe(expected);
          }
        }
      }
    }
    // A proof of 2 → 4 read as 2 → 5 stops one level short of the 5-leaf root.
    expect(verifyConsistency(2, 5, roots[2]!, roots[4]!, consistencyProof(all.slice(0, 4), 2))).toBe(false);
  });

  it('fail for an altered node at any bit, a dropped or added node, or roots of a different tree (fast-check)', () => {
    const sizes = fc.integer({ min: 2, max: 40 }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n - 1 }), fc.constant(n)));
    fc.assert(
      fc.property(sizes, fc.nat(), fc.nat({ max: 255 }), fc.nat({ max: 39 }), ([m, n], rawNode, bit, forkAt) => {
        const proof = consistencyProof(all.slice(0, n), m);
        const node = rawNode % proof.length;
        expect(verifyConsistency(m, n, roots[m]!, roots[n]!, replaceAt(proof, node, flipBit(proof[node]!, bit)))).toBe(false);
        expect(verifyConsistency(m, n, roots[m]!, roots[n]!, proof.slice(0, -1))).toBe(false);
        expect(verifyConsistency(m, n, roots[m]!, roots[n]!, [...proof, all[0]!])).toBe(false);
        // A new tree that rewrote one of the old leaves does not extend the old tree.
        const forked = replaceAt(all.slice(0, n), forkAt % m, leafHash(new Uint8Array([1, 2, 3])));
        expect(verifyConsistency(m, n, roots[m]!, treeHead(forked), proof)).toBe(false);
        expect(verifyConsistency(m, n, roots[m]!, treeHead(forked), consistencyProof(forked, m))).toBe(false);
      }),
    );
  });

  it('treat the edge cases the RFC leaves open the way the generator does', () => {
    const tree = all.slice(0, 6);
    expect(consistencyProof(tree, 0)).toEqual([]);
    expect(consistencyProof(tree, 6)).toEqual([]);
    expect(verifyConsistency(0, 6, emptyTreeHash(), roots[6]!, [])).toBe(true);
    expect(verifyConsistency(0, 6, roots[1]!, roots[6]!, [])).toBe(false);
    expect(verifyConsistency(0, 6, emptyTreeHash(), roots[6]!, [roots[6]!])).toBe(false);
    expect(verifyConsistency(0, 0, emptyTreeHash(), emptyTreeHash(), [])).toBe(true);
    expect(verifyConsistency(6, 6, roots[6]!, roots[6]!, [])).toBe(true);
    expect(verifyConsistency(6, 6, roots[6]!, roots[5]!, [])).toBe(false);
    expect(verifyConsistency(6, 6, roots[6]!, roots[6]!, [roots[6]!])).toBe(false);
    // RFC step 1: an empty proof proves nothing when the sizes differ.
    expect(verifyConsistency(4, 6, roots[4]!, roots[6]!, [])).toBe(false);
    expect(verifyConsistency(3, 6, roots[3]!, roots[6]!, [])).toBe(false);
  });

  it('return false, never throw, for out-of-range or malformed input; generation throws a typed error', () => {
    const tree = all.slice(0, 6);
    const proof = consistencyProof(tree, 3);
    for (const [m, n] of [
      [7, 6],
      [-1, 6],
      [3, -1],
      [2.5, 6],
      [3, Number.NaN],
      [3, Number.POSITIVE_INFINITY],
    ]) {
      expect(verifyConsistency(m!, n!, roots[3]!, roots[6]!, proof)).toBe(false);
    }
    expect(verifyConsistency(3, 6, roots[3]!.slice(1), roots[6]!, proof)).toBe(false);
    expect(verifyConsistency(3, 6, roots[3]!, roots[6]!, [...proof.slice(1), new Uint8Array(64)])).toBe(false);
    expect(() => consistencyProof(tree, 7)).toThrow(MerkleRangeError);
    expect(() => consistencyProof(tree, -1)).toThrow(MerkleRangeError);
    expect(() => consistencyProof(tree, 1.5)).toThrow(MerkleRangeError);
  });
});
