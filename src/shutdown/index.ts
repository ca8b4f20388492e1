/** `bulwark/shutdown`: graceful stop in phases, with signals, drain and hooks. */
export * from './shutdown.js';
export * from './exit-code.js';
export * from './keep-alive-closer.js';
