// Admin certificates: the organisation root's signatures over admins' keys (crypto/admin-certificate.ts).
export { adminCertificateRoutes } from './admin-certificates.routes';
export {
  certifyAdminAsOperator,
  certifyDemoAdmin,
  listAdminCertificates,
  revokeAdminAsOperator,
  type SignedAdminCertificate,
} from './admin-certificates.service';
