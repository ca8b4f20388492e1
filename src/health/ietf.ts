/**
 * The IETF "Health Check Response Format for HTTP APIs" draft (`application/health+json`):
 * status pass/warn/fail, checks keyed `component:measurement`.
 */
import type { HealthReport, HealthStatus, ReportedStatus } from './types.js';

export const HEALTH_JSON_TYPE = 'application/health+json';

export type IetfStatus = 'pass' | 'warn' | 'fail';

export interface IetfCheck {
  componentId: string;
  status: IetfStatus;
  time?: string;
  observedValue?: unknown;
  observedUnit?: string;
  output?: string;
  affectedBy?: string[];
}

export interface IetfHealth {
  status: IetfStatus;
  version?: string;
  serviceId?: string;
  description?: string;
  checks: Record<string, IetfCheck[]>;
  output?: string;
}

/** up = pass; down = fail; degraded, affected and unknown = warn. */
export function ietfStatusOf(status: ReportedStatus): IetfStatus {
  if (status === 'up') return 'pass';
  if (status === 'down') return 'fail';
  return 'warn';
}

/** The overall status as IETF: only `down` fails (HTTP 503); `degraded` warns but serves (200). */
export function ietfOverall(status: HealthStatus): IetfStatus {
  return status === 'down' ? 'fail' : status === 'up' ? 'pass' : 'warn';
}

export interface IetfOptions {
  /** Include messages, observed values and causes (only for authorised callers). */
  details?: boolean;
  serviceId?: string;
  version?: string;
  description?: string;
}

export function toIetfHealth(report: HealthReport, options: IetfOptions = {}): IetfHealth {
  const checks: Record<string, IetfCheck[]> = {};
  for (const check of report.checks) {
    const key = `${check.component}:${check.measurement}`;
    const entry: IetfCheck = { componentId: check.name, status: ietfStatusOf(check.status) };
    if (check.checkedAt !== undefined) entry.time = new Date(check.checkedAt).toISOString();
    if (options.details) {
      if (check.message !== undefined) entry.output = check.message;
      if (check.cause) entry.affectedBy = check.cause;
      const observed = check.details?.observedValue;
      if (observed !== undefined) entry.observedValue = observed;
      const unit = check.details?.observedUnit;
      if (typeof unit === 'string') entry.observedUnit = unit;
    }
    (checks[key] ??= []).push(entry);
  }
  return {
    status: ietfOverall(report.status),
    ...(options.version === undefined ? {} : { version: options.version }),
    ...(options.serviceId === undefined ? {} : { serviceId: options.serviceId }),
    ...(options.description === undefined ? {} : { description: options.description }),
    checks,
  };
}

/** 503 when failing, else 200. */
export function httpStatusOf(status: IetfStatus): 200 | 503 {
  return status === 'fail' ? 503 : 200;
}
