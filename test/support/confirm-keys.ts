import { findUserByEmail } from '../../server/accounts/accounts.store';
import type { TestHaven } from './haven';
import { People } from './people';
import { Practitioner } from './practitioner';

// One Sam per installation: his keys are published once, as his own browser would.
const admins = new WeakMap<TestHaven, Promise<Practitioner>>();
function samOf(haven: TestHaven): Promise<Practitioner> {
  let sam = admins.get(haven);
  if (!sam) {
    sam = (async () => {
      const practitioner = new Practitioner(await new People(() => haven).as('Sam'));
      await practitioner.publishKeys();
      return practitioner;
    })();
    admins.set(haven, sam);
  }
  return sam;
}

/**
 * What an admin does when verifying someone (docs/key-log.md, "Admin attestation"): Sam, the demo
 * system admin (certified by the test organisation root as his keys are published), attests each
 * named person's current keys, so that colleagues' clients seal to them without the "not yet
 * confirmed" step. Tests about that step leave the person out.
 */
export async function confirmKeysAsAdmin(haven: TestHaven, userIds: readonly string[]): Promise<void> {
  const sam = await samOf(haven);
  const { body } = await sam.api.get<{ keys: { userId: string; fingerprint: string }[] }>(`/api/keys?userIds=${userIds.join(',')}`);
  for (const userId of userIds) {
    const keys = body.keys.find((k) => k.userId === userId);
    if (!keys) throw new Error(`${userId} has no published keys to confirm`);
    const res = await sam.attest({ userId, fingerprint: keys.fingerprint });
    if (res.status !== 204) throw new Error(`confirming keys failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/** confirmKeysAsAdmin for demo people by name (first name is enough), once each has published keys. */
export async function confirmDemoKeys(haven: TestHaven, names: readonly string[]): Promise<void> {
  const ids = await Promise.all(
    names.map(async (name) => {
      const user = await findUserByEmail(haven.ctx.db, haven.account(name).email);
      if (!user) throw new Error(`no demo user ${name}`);
      return user.id;
    }),
  );
  await confirmKeysAsAdmin(haven, ids);
}
