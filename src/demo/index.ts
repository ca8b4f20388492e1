/** Demo mode: the simulated exchange, a sample bot through the full stack, and injected faults. */
export { startDemo, DEMO_DEFAULTS, type Demo, type DemoOptions } from './demo.js';
export { DemoBot, demoBot, DEMO_BOT_DEFAULTS, type DemoBotOptions, type DemoBotStats } from './bot.js';
export { FaultInjector, faultInjector, FAULT_INJECTOR_DEFAULTS, demoScenarios, type FaultScenario, type FaultInjectorOptions, type OutageControl } from './fault-injector.js';
export { demoAlertRules } from './alert-rules.js';
