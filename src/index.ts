/**
 * `bulwark`: the library surface (core, policies, limits). Importing it starts no server,
 * opens no database and touches no network.
 */
export * from './core/index.js';
export * from './policies/index.js';
