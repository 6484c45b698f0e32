import { fromBase64Url, fromHex, keyLogLeafHash, signTreeHead, signingKeyPairFromSeed, toHex, treeHead, type KeyLogEntry } from '../../crypto';
import { rawClient } from './database';
import type { TestHaven } from './haven';
import { TEST_KEY_LOG_SEED } from './trust-roots';

/**
 * The malicious server, stronger than a stolen database: it holds the key log's signing key (the
 * test installation's, from its public test seed). It logs `entry` as the next leaf, signs the new
 * head correctly, and puts the entry's keys in the directory — everything a client's log checks
 * accept. What it cannot do is sign as an admin or as the organisation root.
 */
export async function logAsServer(haven: TestHaven, entry: KeyLogEntry): Promise<void> {
  const sql = await rawClient(haven.database.url);
  try {
    const hashes = (await sql.query<{ leaf_hash: string }>('select leaf_hash from key_log_leaves order by seq')).rows.map((r) => r.leaf_hash);
    const leafHash = toHex(keyLogLeafHash(entry));
    await sql.query('insert into key_log_leaves (seq, user_id, entry, leaf_hash) values ($1, $2, $3, $4)', [hashes.length, entry.userId, entry, leafHash]);
    const logKey = signingKeyPairFromSeed(fromBase64Url(TEST_KEY_LOG_SEED)).privateKey;
    const all = [...hashes, leafHash].map(fromHex);
    const head = signTreeHead({ v: 1, treeSize: all.length, rootHash: toHex(treeHead(all)), timestamp: new Date().toISOString() }, logKey);
    await sql.query('insert into key_log_heads (tree_size, root_hash, timestamp, signature) values ($1, $2, $3, $4)', [
      head.treeSize,
      head.rootHash,
      head.timestamp,
      head.signature,
    ]);
    await sql.query('update user_keys set sign_public_key = $1, box_public_key = $2, fingerprint = $3 where user_id = $4', [
      entry.signPublicKey,
      entry.boxPublicKey,
      entry.fingerprint,
      entry.userId,
    ]);
  } finally {
    await sql.end();
  }
}

/**
 * The malicious server rewrites history: leaf `seq` becomes `entry`, and every signed head is
 * signed again over the rewritten leaves, so the log it now serves is self-consistent. Only a
 * client (or monitor) that kept a head from before can tell: the same size, another root. The
 * append-only triggers are the database's, so the attacker switches them off for its session.
 */
export async function rewriteLogAsServer(haven: TestHaven, seq: number, entry: KeyLogEntry): Promise<void> {
  const sql = await rawClient(haven.database.url);
  try {
    await sql.query(`set session_replication_role = replica`);
    await sql.query('update key_log_leaves set entry = $1, leaf_hash = $2, user_id = $3 where seq = $4', [
      entry,
      toHex(keyLogLeafHash(entry)),
      entry.userId,
      seq,
    ]);
    const hashes = (await sql.query<{ leaf_hash: string }>('select leaf_hash from key_log_leaves order by seq')).rows.map((r) => fromHex(r.leaf_hash));
    // bigint columns arrive as strings.
    const sizes = (await sql.query<{ tree_size: string }>('select tree_size from key_log_heads order by tree_size')).rows.map((r) => Number(r.tree_size));
    const logKey = signingKeyPairFromSeed(fromBase64Url(TEST_KEY_LOG_SEED)).privateKey;
    for (const size of sizes) {
      const head = signTreeHead({ v: 1, treeSize: size, rootHash: toHex(treeHead(hashes.slice(0, size))), timestamp: new Date().toISOString() }, logKey);
      await sql.query('update key_log_heads set root_hash = $1, timestamp = $2, signature = $3 where tree_size = $4', [
        head.rootHash,
        head.timestamp,
        head.signature,
        size,
      ]);
    }
  } finally {
    await sql.end();
  }
}
