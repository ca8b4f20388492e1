/** `bulwark/health`: checks with dependencies, a 0-100 score, and the IETF health+json format. */
export * from './types.js';
export * from './registry.js';
export * from './score.js';
export * from './ietf.js';
export * from './checks/breaker.js';
export * from './checks/event-loop.js';
export * from './checks/memory.js';
export * from './checks/cpu.js';
export * from './checks/disk.js';
export * from './checks/storage.js';
export * from './checks/backup.js';
export * from './checks/feeds.js';
