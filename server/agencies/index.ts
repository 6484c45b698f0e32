// What other domains may use from agencies.
export { findAgency, type AgencyRow } from './agencies.store';
