/** `bulwark/config`: layered, validated configuration, feature flags and safe run-time updates. */
export * from './schema.js';
export * from './config-error.js';
export * from './loader.js';
export * from './env.js';
export * from './runtime.js';
export * from './flags.js';
export * from './logger.js';
export * from './deployment-check.js';
export * from './bind-address.js';
