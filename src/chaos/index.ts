/** `bulwark/chaos`: fault injection. The network level: a TCP fault proxy (proxy/). */
export * from './proxy/index.js';
