/** A Binance-style error answer of the simulator: HTTP status, Binance error code and message. */

/** Query and form parameters of one request. */
export type Params = Record<string, string>;

export class HttpError {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly msg: string,
    readonly headers: Record<string, string> = {},
  ) {}
}
