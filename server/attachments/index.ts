// What other domains may use of attachments: routes, linking uploads to a sent message, deleting ciphertext, the stores.
export { attachmentRoutes } from './attachments.routes';
export { deleteCiphertext, sweepUnsentUploads } from './attachment-deletion.service';
export { requireAttachable, requireAttachableToVerbalShare, requireDocumentsNamed, linkUploads, linkUploadsToShare } from './attachment-links.service';
export { blobStores } from './blob-store';
