// What other domains may use of attachments: linking to a sent message, and deleting ciphertext.
export { attachmentRoutes } from './attachments.routes';
export { deleteCiphertext, requireAttachable, linkUploads, sweepUnsentUploads } from './attachments.service';
export { blobStores } from './blob-store';
