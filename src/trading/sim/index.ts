export { SimEngine, SIM_ENGINE_DEFAULTS, type SimEngineOptions, type SimMarketSpec, type SimOrder, type SimOrderStatus } from './engine.js';
export { type SimFaults, type SimFaultsInput, type FailureRule, FAULT_DEFAULTS, noFaults, updateFaults } from './faults.js';
export { createSimRouter, type SimRouter, type SimRouterOptions, type SimStats, type SimRequest, type SimReply } from './router.js';
export { startSimServer, SIM_SERVER_DEFAULTS, type SimServer, type SimServerOptions } from './server.js';
export { simFetch, SIM_FETCH_DEFAULTS, type SimFetchOptions, type FetchLike } from './fetch.js';
export { pointAtSimulator } from './connect.js';
export { seededRandom } from '../../core/random.js';
export { sqliteSimStore, SQLITE_SIM_STORE_DEFAULTS, type SimStateStore, type SimState, type SimChanges, type SimTick } from './state-store.js';
