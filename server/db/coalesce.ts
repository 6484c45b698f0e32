import type { Database } from './database';

interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Runs `run` once for every item asked for while the event loop handles one round of I/O, on
 * the same database handle. Under load, the sends that arrive together (one per socket) then
 * cost one round trip per kind of lookup instead of one each. Nothing is cached: every caller
 * gets what the database held after it asked. `run` returns one result per item, in order.
 * A quiet server pays only a turn of the event loop (setImmediate), not a timer.
 */
export function coalescing<T, R>(run: (db: Database, items: T[]) => Promise<R[]>): (db: Database, item: T) => Promise<R> {
  const pending = new WeakMap<Database, Waiting<T, R>[]>();
  const flush = async (db: Database, batch: Waiting<T, R>[]) => {
    try {
      const results = await run(
        db,
        batch.map((w) => w.item),
      );
      if (results.length !== batch.length) throw new Error('a coalesced lookup returned a result count unlike its item count');
      batch.forEach((w, i) => w.resolve(results[i] as R));
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  };
  return (db, item) =>
    new Promise<R>((resolve, reject) => {
      let batch = pending.get(db);
      if (!batch) {
        const started: Waiting<T, R>[] = [];
        batch = started;
        pending.set(db, started);
        setImmediate(() => {
          pending.delete(db);
          void flush(db, started);
        });
      }
      batch.push({ item, resolve, reject });
    });
}

/**
 * A lookup of rows by key that coalesces (see `coalescing`): one `load` for all the keys asked
 * for together, each caller getting the rows of its own keys, in the order of its keys.
 */
export function coalescedRows<K, Row>(load: (db: Database, keys: K[]) => Promise<Row[]>, keyOf: (row: Row) => K): (db: Database, keys: K[]) => Promise<Row[]> {
  const lookup = coalescing<K[], Row[]>(async (db, asked) => {
    const rows = await load(db, [...new Set(asked.flat())]);
    const byKey = new Map<K, Row[]>();
    for (const row of rows) {
      const key = keyOf(row);
      byKey.set(key, [...(byKey.get(key) ?? []), row]);
    }
    return asked.map((keys) => [...new Set(keys)].flatMap((key) => byKey.get(key) ?? []));
  });
  return async (db, keys) => (keys.length ? lookup(db, keys) : []);
}
