/** The exchange account the service watches: balances and open orders, read from the exchange. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AccountView } from '../components.js';
import { messageOf, problem } from './errors.js';

export interface AccountRoutesOptions {
  account: AccountView;
}

export const accountRoutes: FastifyPluginAsyncZod<AccountRoutesOptions> = async (app, { account }) => {
  app.get('/api/account', { schema: { tags: ['orders'], description: 'The configured exchange account: non-zero balances and open orders, as the exchange reports them (cached a few seconds)' } }, async (_request, reply) => {
    try {
      return await account.snapshot();
    } catch (error) {
      // The exchange, not this server, failed: a gateway error naming why (breaker open, throttled, timeout).
      return problem(reply, 502, `the exchange did not answer: ${messageOf(error)}`);
    }
  });
};
