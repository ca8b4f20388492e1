/** Demo mode: the simulated exchange, a sample bot through the full stack, and injected faults. */
export { startDemo, demoDefaults, type Demo, type DemoOptions } from './demo.js';
export { DemoBot, demoBot, demoBotDefaults, type DemoBotOptions, type DemoBotStats } from './bot.js';
export { FaultInjector, faultInjector, faultInjectorDefaults, demoScenarios, type FaultScenario, type FaultInjectorOptions, type OutageControl } from './fault-injector.js';
export { demoAlertRules } from './alert-rules.js';
