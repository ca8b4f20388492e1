/** The exchange accounts the service watches: balances and open orders, read from the exchange. */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AccountView } from '../components.js';
import { messageOf, problem } from './errors.js';

export interface AccountRoutesOptions {
  /** The only account, or the first. */
  account: AccountView;
  /** Every account by name (several accounts: `?name=` picks one). */
  accounts?: ReadonlyMap<string, AccountView>;
}

export const accountRoutes: FastifyPluginAsyncZod<AccountRoutesOptions> = async (app, { account, accounts }) => {
  const names = [...(accounts?.keys() ?? [])];
  app.get(
    '/api/accounts',
    { config: { permission: 'account:read' }, schema: { tags: ['orders'], description: 'The names of the accounts the service watches, in the configuration\'s order' } },
    async () => names.map((name) => ({ name })),
  );
  app.get(
    '/api/account',
    {
      config: { permission: 'account:read' },
      schema: {
        tags: ['orders'],
        querystring: z.object({ name: z.string().min(1).max(64).optional().describe('the account (required when the service watches several)') }).strict(),
        description: 'An exchange account: non-zero balances and open orders, as the exchange reports them (cached a few seconds)',
      },
    },
    async (request, reply) => {
      const { name } = request.query;
      let view = account;
      if (name !== undefined) {
        const named = accounts?.get(name);
        if (!named) return problem(reply, 404, `no account named "${name}" (accounts: ${names.join(', ') || 'none'})`, [{ field: 'name', reason: 'no such account' }]);
        view = named;
      } else if (names.length > 1) {
        return problem(reply, 400, `this service watches ${names.length} accounts: name one with ?name= (${names.join(', ')})`, [{ field: 'name', reason: 'required with several accounts' }]);
      }
      try {
        return await view.snapshot();
      } catch (error) {
        // The exchange, not this server, failed: a gateway error naming why (breaker open, throttled, timeout).
        return problem(reply, 502, `the exchange did not answer: ${messageOf(error)}`);
      }
    },
  );
};
