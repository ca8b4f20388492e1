export { SimEngine, simEngineDefaults, type SimEngineOptions, type SimMarketSpec, type SimOrder, type SimOrderStatus } from './engine.js';
export { type SimFaults, type SimFaultsInput, type FailureRule, faultDefaults, noFaults, updateFaults } from './faults.js';
export { createSimRouter, type SimRouter, type SimRouterOptions, type SimStats, type SimRequest, type SimReply } from './router.js';
export { startSimServer, simServerDefaults, type SimServer, type SimServerOptions } from './server.js';
export { simFetch, simFetchDefaults, type SimFetchOptions, type FetchLike } from './fetch.js';
export { pointAtSimulator } from './connect.js';
export { seededRandom } from '../../core/random.js';
export { sqliteSimStore, sqliteSimStoreDefaults, type SimStateStore, type SimState, type SimChanges, type SimTick } from './state-store.js';
