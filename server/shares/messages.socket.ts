import type { EventHandle } from '../realtime/gateway';
import { countSend } from '../metrics/service-metrics';
import type { ServiceContext } from '../shared/context';
import { askForRecordKey, grantRecordKey } from './key-grants.service';
import { acknowledgeDelivery, acknowledgeRead, receiptsOfMine, revoke, sendMessage, syncSince } from './messages.service';

/** Messaging over Socket.IO: send, catch up, receipts, revoke (docs/realtime.md). */
export function registerShareEvents(handle: EventHandle, ctx: ServiceContext): void {
  handle('share:send', (signedIn, { envelope, dischargesObligationId, attachments }, { address, receivedAt, connectionId }) =>
    countSend(ctx.metrics, envelope, receivedAt, () =>
      sendMessage(ctx, signedIn, envelope, { dischargesObligationId, address, connectionId, attachmentIds: attachments }),
    ),
  );
  handle('sync:since', (signedIn, { cursor, limit }) => syncSince(ctx, signedIn, cursor, limit));
  handle('share:delivered', async (signedIn, { ids }) => ({ acknowledged: await acknowledgeDelivery(ctx, signedIn, ids) }));
  handle('share:receipts', async (signedIn, { ids }) => ({ receipts: await receiptsOfMine(ctx, signedIn, ids) }));
  handle('share:read', async (signedIn, { id }) => {
    await acknowledgeRead(ctx, signedIn, id);
    return {};
  });
  handle('share:grant', (signedIn, { grant }) => grantRecordKey(ctx, signedIn, grant));
  handle('share:grant-wanted', (signedIn, { messageId }) => askForRecordKey(ctx, signedIn, messageId));
  handle('share:revoke', async (signedIn, { id }) => {
    await revoke(ctx, signedIn, id);
    return {};
  });
}
