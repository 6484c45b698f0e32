import { beforeAll, describe, expect, it } from 'vitest';
import {
  compareSeenHeads,
  consistencyProof,
  generateIdentity,
  ready,
  signTreeHead,
  toHex,
  treeHead,
  type IdentityKeys,
  type SignedTreeHead,
} from '../../crypto';
import { sodium } from '../../crypto/sodium';

let logKey: IdentityKeys;
let otherKey: IdentityKeys;
const leaves = (n: number, salt = 'a') => Array.from({ length: n }, (_, i) => sodium().crypto_generichash(32, `${salt}-${i}`, null));

beforeAll(async () => {
  await ready();
  logKey = generateIdentity();
  otherKey = generateIdentity();
});

const head = (hashes: Uint8Array[], by = logKey): SignedTreeHead =>
  signTreeHead({ v: 1, treeSize: hashes.length, rootHash: toHex(treeHead(hashes)), timestamp: '2026-12-04T09:00:00.000Z' }, by.signPrivateKey);
const compare = (mine: SignedTreeHead, theirs: SignedTreeHead, proof: string[] = []) =>
  compareSeenHeads({ mine, theirs, proof, logPublicKey: logKey.signPublicKey });

describe('compareSeenHeads', () => {
  it('the same head is the same', () => {
    const h = head(leaves(5));
    expect(compare(h, { ...h })).toEqual({ result: 'same' });
  });

  it('a log that grew, either way round, is consistent and names the newer head', () => {
    const all = leaves(9);
    const small = head(all.slice(0, 4));
    const large = head(all);
    const proof = consistencyProof(all, 4).map(toHex);
    expect(compare(small, large, proof)).toEqual({ result: 'consistent', newer: large });
    expect(compare(large, small, proof)).toEqual({ result: 'consistent', newer: large });
  });

  it('two histories signed by the log key are a fork: same size, different roots', () => {
    const mine = head(leaves(5));
    const theirs = head(leaves(5, 'rewritten'));
    expect(compare(mine, theirs)).toEqual({ result: 'fork', heads: [mine, theirs] });
  });

  it('a larger head that does not extend the smaller is a fork, whatever proof the server offers', () => {
    const honest = leaves(9);
    const rewritten = [...honest.slice(0, 2), ...leaves(7, 'rewritten')];
    const mine = head(honest.slice(0, 4));
    const theirs = head(rewritten);
    // The server's best try: the proof for the rewritten log, or for the honest one.
    for (const proof of [consistencyProof(rewritten, 4), consistencyProof(honest, 4)]) {
      expect(compare(mine, theirs, proof.map(toHex))).toEqual({ result: 'fork', heads: [mine, theirs] });
    }
  });

  it('concludes nothing from a head not signed by the log key of its trust roots, or without a usable proof', () => {
    const all = leaves(6);
    const mine = head(all.slice(0, 3));
    expect(compare(mine, head(leaves(3, 'x'), otherKey))).toEqual({ result: 'unchecked', reason: 'their_head_not_signed' });
    expect(compare(head(all.slice(0, 3), otherKey), head(all))).toEqual({ result: 'unchecked', reason: 'my_head_not_signed' });
    expect(compare(mine, head(all), ['not hex'])).toEqual({ result: 'unchecked', reason: 'bad_proof' });
    expect(compare(mine, { ...head(all), signature: 'A'.repeat(86) })).toEqual({ result: 'unchecked', reason: 'their_head_not_signed' });
  });
});
