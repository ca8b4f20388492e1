/**
 * Where a read that tolerates a little staleness goes: the storage's replica reads when it has
 * them (PostgreSQL with replicas, within the lag limit), else the storage itself. Repositories
 * call it for lists a person looks at (dashboard lists, audit export, order history), never for a
 * read that must see a write just made (read-your-writes paths read from the storage).
 */
import type { ReadQueryable, Storage } from './types.js';

export function staleReads(storage: Storage): ReadQueryable {
  return storage.replicaReads ?? storage;
}
