/** The network level of chaos: a TCP fault proxy with toxiproxy-shaped toxics. */
export { faultProxy, FAULT_PROXY_DEFAULTS, ToxicNameError, type FaultProxy, type FaultProxyEvents, type FaultProxyOptions, type FaultProxyView } from './fault-proxy.js';
export { faultProxies, type FaultProxies, type FaultProxiesOptions } from './proxies.js';
export { parseToxicFlag } from './toxic-flag.js';
export { ADDRESS_DEFAULTS, formatAddress, parseAddress, type HostPort } from './address.js';
export type { ConnectionView } from './connection.js';
export {
  defaultToxicName,
  patchToxic,
  resolveToxic,
  TOXIC_ATTRIBUTE_DEFAULTS,
  TOXIC_DEFAULTS,
  TOXIC_DIRECTIONS,
  TOXIC_TYPES,
  type Toxic,
  type ToxicAttributes,
  type ToxicDirection,
  type ToxicPatch,
  type ToxicSpec,
  type ToxicType,
} from './toxic.js';
